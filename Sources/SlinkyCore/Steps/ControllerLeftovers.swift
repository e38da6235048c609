import Foundation

/// What Kubernetes controllers made in AWS for this cluster, found by their tags and the VPC.
extension ClusterEnvironment {
    public struct ControllerLeftovers: Equatable, Sendable {
        var loadBalancers: [String] = []
        var targetGroups: [String] = []
        var securityGroups: [String] = []
        var networkInterfaces: [String] = []
        /// Nodes Karpenter launched; they carry the cluster's ownership tag and outlive the cluster.
        var instances: [String] = []
        /// Volumes the EBS CSI driver made for persistent volumes, no longer attached.
        var volumes: [String] = []
        var all: [String] { loadBalancers + targetGroups + securityGroups + networkInterfaces + instances + volumes }
        var isEmpty: Bool { all.isEmpty }
    }

    /// The tag the load balancer controller puts on what it creates.
    var controllerTagKey: String { "elbv2.k8s.aws/cluster" }
    /// The tag Karpenter's instances and the EBS CSI driver's volumes carry.
    var ownershipTag: String { "kubernetes.io/cluster/\(settings.cluster)" }
    /// The tag the stack puts on everything, and hands to the controllers for what they create.
    static let clusterTagKey = "slinky:cluster"

    func vpcID(_ context: StepContext) async -> String? {
        if let outputs = try? await terraform.outputs(log: context.log), let vpc = outputs["vpc_id"] { return vpc }
        return nil
    }

    func taggedARNs(_ arns: [String], _ context: StepContext) async throws -> [String] {
        var matching: [String] = []
        var index = 0
        while index < arns.count {
            let batch = Array(arns[index..<min(index + 20, arns.count)])
            index += 20
            let object = try await aws.json(["elbv2", "describe-tags", "--resource-arns"] + batch, log: context.log)
            for description in object["TagDescriptions"] as? [[String: Any]] ?? [] {
                let tags = description["Tags"] as? [[String: Any]] ?? []
                if tags.contains(where: { $0["Key"] as? String == controllerTagKey && $0["Value"] as? String == settings.cluster }),
                    let arn = description["ResourceArn"] as? String
                {
                    matching.append(arn)
                }
            }
        }
        return matching
    }

    func findControllerLeftovers(_ context: StepContext) async throws -> ControllerLeftovers {
        var found = ControllerLeftovers()
        let lbs = try await aws.json(["elbv2", "describe-load-balancers"], log: context.log)
        let lbARNs = (lbs["LoadBalancers"] as? [[String: Any]] ?? []).compactMap { $0["LoadBalancerArn"] as? String }
        found.loadBalancers = try await taggedARNs(lbARNs, context)
        let tgs = try await aws.json(["elbv2", "describe-target-groups"], log: context.log)
        let tgARNs = (tgs["TargetGroups"] as? [[String: Any]] ?? []).compactMap { $0["TargetGroupArn"] as? String }
        found.targetGroups = try await taggedARNs(tgARNs, context)
        let sgs = try await aws.json(
            ["ec2", "describe-security-groups", "--filters", "Name=tag:\(controllerTagKey),Values=\(settings.cluster)"], log: context.log)
        found.securityGroups = (sgs["SecurityGroups"] as? [[String: Any]] ?? []).compactMap { $0["GroupId"] as? String }
        // Karpenter and the EBS CSI driver mark what they make with the ownership tag only when told the
        // cluster's name; the stack also gives them slinky's own tag, so either finds a leftover.
        for (key, value) in [(ownershipTag, "owned"), (Self.clusterTagKey, settings.cluster)] {
            let instances = try await aws.json(
                ["ec2", "describe-instances", "--filters", "Name=tag:\(key),Values=\(value)",
                 "Name=instance-state-name,Values=pending,running,stopping,stopped"], log: context.log)
            found.instances += (instances["Reservations"] as? [[String: Any]] ?? [])
                .flatMap { $0["Instances"] as? [[String: Any]] ?? [] }.compactMap { $0["InstanceId"] as? String }
                .filter { !found.instances.contains($0) }
            let volumes = try await aws.json(
                ["ec2", "describe-volumes", "--filters", "Name=tag:\(key),Values=\(value)", "Name=status,Values=available"],
                log: context.log)
            found.volumes += (volumes["Volumes"] as? [[String: Any]] ?? []).compactMap { $0["VolumeId"] as? String }
                .filter { !found.volumes.contains($0) }
        }
        if let vpc = await vpcID(context) {
            let enis = try await aws.json(
                ["ec2", "describe-network-interfaces", "--filters", "Name=vpc-id,Values=\(vpc)", "Name=status,Values=available"],
                log: context.log)
            found.networkInterfaces = (enis["NetworkInterfaces"] as? [[String: Any]] ?? []).compactMap { $0["NetworkInterfaceId"] as? String }
        }
        return found
    }

}
