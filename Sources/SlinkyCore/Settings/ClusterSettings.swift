import Foundation

/// Everything a command decided before it starts working: who, where, with which files.
public struct ClusterSettings: Sendable {
    public var command: String
    public var cluster: String
    public var region: String
    public var regionSource: String
    public var profile: String?
    public var projectDirectory: String
    /// This cluster's own folder: journal, lock, terraform state and data, logs.
    public var stateDirectory: String
    public var blueprintPath: String
    public var dockerfilePath: String
    public var repositoryName: String
    public var tag: String
    public var sshKeyPath: String
    public var skipBuild = false
    public var skipRepo = false
    public var skipSetup = false
    public var rebuild = false
    /// Who may reach the login load balancer on port 22; nil: keep the blueprint's, else the caller's IP.
    public var allowCIDR: String?
    public var dryRun = false
    public var reconcile = false
    /// `--yes`: no confirmation prompt.
    public var assumeYes = false
    /// The bucket holding shared state (--state-bucket, SLINKY_STATE_BUCKET, or recorded by an earlier run).
    public var stateBucket: String?
    public var stateBucketSource: String?
    /// Filled once the bucket is opened (account and bucket region known).
    public var remoteState: RemoteStateLocation?
    /// Whether the user named the blueprint; if not, a cleanup uses the copy kept beside the shared state.
    public var blueprintExplicit = false
    /// Unpacked helm charts to use instead of pulling them (--charts, SLINKY_CHARTS_DIR).
    public var chartsDirectory: String?

    public init(
        command: String, cluster: String, region: String, regionSource: String, profile: String?,
        projectDirectory: String, stateDirectory: String, blueprintPath: String, dockerfilePath: String,
        repositoryName: String, tag: String, sshKeyPath: String
    ) {
        self.command = command
        self.cluster = cluster
        self.region = region
        self.regionSource = regionSource
        self.profile = profile
        self.projectDirectory = projectDirectory
        self.stateDirectory = stateDirectory
        self.blueprintPath = blueprintPath
        self.dockerfilePath = dockerfilePath
        self.repositoryName = repositoryName
        self.tag = tag
        self.sshKeyPath = sshKeyPath
    }

    public var journalPath: String { "\(stateDirectory)/journal.json" }
    public var lockPath: String { "\(stateDirectory)/lock" }
    public var terraformStatePath: String { "\(stateDirectory)/terraform/terraform.tfstate" }
    public var terraformDataDirectory: String { "\(stateDirectory)/terraform/data" }
    public var kubeconfigPath: String { "\(stateDirectory)/kubeconfig" }
    public var toolVersionsPath: String { "\(stateDirectory)/tool-versions.json" }
    public var terraformWorkspace: String { "\(stateDirectory)/terraform/workspace" }
    /// The blueprint a cluster with shared state was built from, fetched from the bucket.
    public var sharedBlueprintPath: String { "\(stateDirectory)/blueprint.tfvars" }
    public var stackDirectory: String { "\(projectDirectory)/terraform/aws" }
    public var stackOrderPath: String { "\(projectDirectory)/terraform/stack.json" }

    public static let defaultCluster = "slurm-on-eks"
    public static let defaultRepositoryName = "dlc-slurmd"
    public static let defaultTag = "25.05.0-ubuntu24.04"
    public static let defaultRegion = "us-west-2"
    public static let defaultSSHKey = "~/.ssh/id_ed25519_slurm"
    public static let sshKeyComment = "slurm-login"
}

extension ClusterSettings {
    /// Preflight and `slinky image build` both refuse a Dockerfile that is not there, before any work.
    public func requireDockerfile() throws {
        guard fileKind(dockerfilePath) == .file else {
            throw SlinkyError.invalidInput(
                "the Dockerfile \(dockerfilePath) does not exist",
                hint: "pass --dockerfile with the path of the slurmd Dockerfile")
        }
    }
}
