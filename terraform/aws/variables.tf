# Variables of the AWS layer. One blueprint file (blueprints/*.tfvars) feeds
# this layer and the Kubernetes layer, so the settings that only the
# Kubernetes layer uses are declared too (variables_kubernetes.tf).

variable "name" {
  description = "Name of the EKS cluster; also the prefix of the VPC, IAM roles, queues and buckets."
  type        = string
  default     = "slurm-on-eks"

  validation {
    # EKS allows 1-100 characters starting with a letter or digit; IAM role
    # names built from it (e.g. <name>-karpenter-controller) must stay under
    # 64 characters, hence the tighter upper bound.
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]*$", var.name)) && length(var.name) <= 38
    error_message = "The name must be a valid EKS cluster name (letters, digits, '-' and '_', starting with a letter or digit) of at most 38 characters."
  }
}

variable "region" {
  description = "AWS region of the cluster."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$", var.region))
    error_message = "The region must look like an AWS region code, e.g. us-west-2."
  }
}

variable "eks_cluster_version" {
  description = "Kubernetes minor version of the EKS control plane (the Slinky charts need 1.29 or newer)."
  type        = string
  default     = "1.35"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.eks_cluster_version)) && try(tonumber(split(".", var.eks_cluster_version)[1]) >= 29, false)
    error_message = "The EKS version must be written as 1.NN and be 1.29 or newer."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC; split into three private and three public subnets."
  type        = string
  default     = "10.1.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 22, false)
    error_message = "The VPC CIDR must be a valid IPv4 CIDR with a prefix length between /16 and /22."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for the whole VPC (cheaper) instead of one per availability zone."
  type        = bool
  default     = true
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "CIDRs that may reach the public EKS API endpoint."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.cluster_endpoint_public_access_cidrs) > 0 && alltrue([for c in var.cluster_endpoint_public_access_cidrs : can(cidrhost(c, 0))])
    error_message = "Every entry must be a valid CIDR and at least one is required."
  }
}

variable "system_node_instance_types" {
  description = "Instance types of the managed node group that runs the Slurm control components."
  type        = list(string)
  default     = ["m5.xlarge"]

  validation {
    condition     = length(var.system_node_instance_types) > 0 && alltrue([for t in var.system_node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[0-9]*[a-z0-9]+$", t))])
    error_message = "Instance types must look like family.size, e.g. m5.xlarge."
  }
}

variable "system_node_min_size" {
  description = "Minimum number of nodes in the system node group."
  type        = number
  default     = 2

  validation {
    condition     = var.system_node_min_size >= 1 && floor(var.system_node_min_size) == var.system_node_min_size
    error_message = "The minimum size must be a whole number of at least 1."
  }
}

variable "system_node_max_size" {
  description = "Maximum number of nodes in the system node group."
  type        = number
  default     = 4

  validation {
    condition     = var.system_node_max_size >= var.system_node_min_size && floor(var.system_node_max_size) == var.system_node_max_size
    error_message = "The maximum size must be a whole number not below system_node_min_size."
  }
}

variable "system_node_disk_size" {
  description = "Root volume size (GiB) of the system nodes."
  type        = number
  default     = 100

  validation {
    condition     = var.system_node_disk_size >= 20 && var.system_node_disk_size <= 16384
    error_message = "The disk size must be between 20 and 16384 GiB."
  }
}

variable "gpu_instance_types" {
  description = "Instance types Karpenter may launch for Slurm compute (read by the Kubernetes layer)."
  type        = list(string)
  default     = ["g5.8xlarge"]

  validation {
    condition     = length(var.gpu_instance_types) > 0 && alltrue([for t in var.gpu_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[0-9]*[a-z0-9]+$", t))])
    error_message = "Instance types must look like family.size, e.g. g5.8xlarge."
  }
}

# Settings written into the blueprint by slinky. The AWS layer only reports
# them back (outputs), proving the blueprint was read.
variable "image_repository" {
  description = "Repository of the slurmd image (e.g. an ECR repository URI); empty until slinky writes it."
  type        = string
  default     = ""
}

variable "image_tag" {
  description = "Tag of the slurmd image; empty until slinky writes it."
  type        = string
  default     = ""
}

variable "image_digest" {
  description = "Digest (sha256:...) of the pushed slurmd image; slinky writes it so nodes run exactly what was built, whatever later happens to the tag. Empty: the tag alone."
  type        = string
  default     = ""

  validation {
    condition     = var.image_digest == "" || can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest must be empty or sha256: followed by 64 hex digits."
  }
}

variable "ssh_key" {
  description = "Public SSH key allowed to log in to the Slurm login pod; empty until slinky writes it."
  type        = string
  default     = ""
}

variable "allow_open_login" {
  description = "Allow login_allow_cidr to be 0.0.0.0/0 (the login service open to the internet)."
  type        = bool
  default     = false
}

variable "login_allow_cidr" {
  description = "Source CIDR allowed to reach the login load balancer on port 22 (null: decided by slinky)."
  type        = string
  default     = null

  validation {
    condition     = var.login_allow_cidr == null || can(cidrhost(var.login_allow_cidr, 0))
    error_message = "login_allow_cidr must be null or a valid IPv4 CIDR such as 203.0.113.7/32."
  }

  validation {
    condition     = var.login_allow_cidr == null || var.allow_open_login || !contains(["0.0.0.0/0", "::/0"], coalesce(var.login_allow_cidr, "none"))
    error_message = "login_allow_cidr 0.0.0.0/0 opens SSH to the internet; set allow_open_login = true to really want that."
  }
}

variable "aws_max_retries" {
  description = "Maximum retries of the AWS provider for a failing call (keep small against a local emulator)."
  type        = number
  default     = 25

  validation {
    condition     = var.aws_max_retries >= 0 && var.aws_max_retries <= 100 && floor(var.aws_max_retries) == var.aws_max_retries
    error_message = "aws_max_retries must be a whole number between 0 and 100."
  }
}

variable "tags" {
  description = "Extra tags for every resource, including what the cluster's controllers create later (the slinky:cluster and managed-by tags are always added)."
  type        = map(string)
  default     = {}

  validation {
    # The tags also reach the controllers: the load balancer controller and the
    # FSx CSI driver take them as one "key=value,key=value" argument (the FSx
    # driver cuts a value at its first '='), and Karpenter, the EBS CSI driver
    # and the VPC CNI refuse keys of their own namespaces.
    condition = alltrue([
      for k, v in var.tags : !can(regex("[,=]", "${k}${v}")) && !can(regex("^(aws:|eks:|kubernetes\\.io/|karpenter\\.|ebs\\.csi\\.aws\\.com/|k8s\\.amazonaws\\.com)", k))
    ])
    error_message = "Tag keys and values must not contain ',' or '=', and keys must not start with a prefix AWS or the controllers reserve (aws:, eks:, kubernetes.io/, karpenter., ebs.csi.aws.com/, k8s.amazonaws.com)."
  }
}

# ---------------------------------------------------------------------------
# Switches. The first group follows the names of the original blueprint; the
# second group exists so that a local AWS emulator (moto) can apply the stack.

variable "enable_fsx_for_lustre" {
  description = "Create an S3 bucket and an FSx for Lustre file system linked to it (mounted at /fsx)."
  type        = bool
  default     = true
}

variable "enable_aws_fsx_csi_driver" {
  description = "Create the IAM role of the FSx CSI driver (the driver itself is installed by the Kubernetes layer)."
  type        = bool
  default     = true
}

variable "enable_aws_load_balancer_controller" {
  description = "Create the IAM role of the AWS Load Balancer Controller (needed for the login NLB)."
  type        = bool
  default     = true
}

variable "enable_karpenter" {
  description = "Create Karpenter's IAM roles, interruption queue and EventBridge rules (GPU compute)."
  type        = bool
  default     = true
}

variable "enable_cluster_addons" {
  description = "EKS add-ons by name; only used when enable_eks_addons is true."
  type        = map(bool)
  default = {
    coredns                = true
    kube-proxy             = true
    vpc-cni                = true
    eks-pod-identity-agent = true
    aws-ebs-csi-driver     = true
  }

  validation {
    condition = length(setsubtract(keys(var.enable_cluster_addons), [
      "coredns", "kube-proxy", "vpc-cni", "eks-pod-identity-agent", "aws-ebs-csi-driver",
      "metrics-server", "eks-node-monitoring-agent", "amazon-cloudwatch-observability",
    ])) == 0
    error_message = "Known add-ons: coredns, kube-proxy, vpc-cni, eks-pod-identity-agent, aws-ebs-csi-driver, metrics-server, eks-node-monitoring-agent, amazon-cloudwatch-observability."
  }
}

variable "enable_eks_addons" {
  description = "Manage EKS add-ons (aws_eks_addon). Off only where the EKS add-on API is missing (local emulator)."
  type        = bool
  default     = true
}

variable "create_oidc_provider" {
  description = "Create the cluster's IAM OIDC provider (IRSA). Off only where every cluster reports the same issuer (local emulator), so a second cluster beside the first would collide on it; trust policies then name the provider by its ARN."
  type        = bool
  default     = true
}

variable "tag_eks_created_resources" {
  description = "Tag what EKS creates itself (the cluster security group, the system node group's Auto Scaling group) with the stack's tags. Off only where those resources do not really exist (local emulator)."
  type        = bool
  default     = true
}

variable "enable_access_entries" {
  description = "Use EKS access entries (authentication mode API_AND_CONFIG_MAP). Off only where the access entry API is missing (local emulator); then nodes join through the aws-auth ConfigMap."
  type        = bool
  default     = true
}

variable "cluster_admin_principal_arns" {
  description = "Extra IAM principals given cluster-admin through access entries (needs enable_access_entries)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.cluster_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", a))])
    error_message = "Each entry must be an IAM role or user ARN."
  }
}

variable "fsx_storage_capacity" {
  description = "FSx for Lustre capacity in GiB (PERSISTENT_2: 1200 or a multiple of 2400)."
  type        = number
  default     = 1200

  validation {
    condition     = var.fsx_storage_capacity == 1200 || (var.fsx_storage_capacity >= 2400 && var.fsx_storage_capacity % 2400 == 0)
    error_message = "The FSx capacity must be 1200 GiB or a multiple of 2400 GiB."
  }
}

variable "fsx_throughput_per_tib" {
  description = "FSx for Lustre PERSISTENT_2 throughput in MB/s per TiB."
  type        = number
  default     = 125

  validation {
    condition     = contains([125, 250, 500, 1000], var.fsx_throughput_per_tib)
    error_message = "The FSx throughput must be one of 125, 250, 500, 1000."
  }
}

variable "fsx_bucket_force_destroy" {
  description = "Let destroy delete the FSx data bucket with everything in it (all object versions)."
  type        = bool
  default     = true
}
