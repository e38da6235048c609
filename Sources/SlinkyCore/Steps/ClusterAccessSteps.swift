import Foundation

/// The last install step: what the user needs next, with the login hostname when the cluster can say it.
public struct AccessSummaryStep: PipelineStep {
    public let id = StepID.access
    public let title = "Login details"
    public let dependencies: [StepID] = [.terraformApply]
    public var alwaysRuns: Bool { true }
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public func fingerprint(_ context: StepContext) async throws -> String { "" }

    public func plannedCommands(_ context: StepContext) -> [String] {
        ["aws eks update-kubeconfig --name \(env.settings.cluster) --region \(env.settings.region) --kubeconfig \(env.settings.kubeconfigPath)",
         "kubectl get services --all-namespaces -l app.kubernetes.io/name=login -o json"]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let settings = env.settings
        var outputs: [String: String] = [
            "kubeconfig_command": context.output(.terraformApply, "configure_kubectl")
                ?? "aws eks update-kubeconfig --region \(settings.region) --name \(settings.cluster)",
            "ssh_key": settings.sshKeyPath,
        ]
        do {
            if let host = try await env.clusterAPI.loginHostname(log: context.log) {
                outputs["login_hostname"] = host
                outputs["ssh_command"] = "ssh -i \(settings.sshKeyPath) -p 22 root@\(host)"
            } else {
                context.note("the login load balancer has no hostname yet; AWS may still be provisioning it")
            }
        } catch let unreachable as ClusterUnreachable {
            context.note("could not ask the cluster for the login hostname (\(unreachable.detail))")
        }
        return StepResult(outputs: outputs)
    }

    /// The closing lines of an install, from this step's outputs.
    public static func nextSteps(_ outputs: [String: String], settings: ClusterSettings) -> [String] {
        var lines = ["Next:", "  \(outputs["kubeconfig_command"] ?? "aws eks update-kubeconfig --region \(settings.region) --name \(settings.cluster)")"]
        if let job = outputs["example_job"] {
            lines.append("  # the FSDP example job is at \(job) on the login pod")
        }
        if let ssh = outputs["ssh_command"] {
            lines.append("  \(ssh)")
        } else {
            lines.append("  kubectl get services -n slurm -l app.kubernetes.io/name=login   # the login hostname, once AWS has provisioned it")
            lines.append("  ssh -i \(settings.sshKeyPath) -p 22 root@<login hostname>")
        }
        lines.append("  slinky status --name \(settings.cluster)   # what is installed;  slinky cleanup --name \(settings.cluster) to remove it")
        return lines
    }
}

/// Before terraform removes the cluster: remove what Kubernetes controllers created in AWS on its behalf.
public struct ReleaseControllerResourcesStep: PipelineStep {
    public let id = StepID.releaseKubernetes
    public let title = "Release load balancers and nodes made by Kubernetes"
    public let dependencies: [StepID] = [.terraformInit]
    public var alwaysRuns: Bool { true }
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public func fingerprint(_ context: StepContext) async throws -> String { "" }

    public func plannedCommands(_ context: StepContext) -> [String] {
        ["kubectl delete service <each LoadBalancer service> --wait=true --timeout=10m",
         "kubectl delete nodepools.karpenter.sh --all --wait=true --timeout=10m"]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let resources = try await env.terraform.resources(log: context.log)
        guard resources.contains(where: { $0.contains("aws_eks_cluster.") }) else {
            context.log.write("no EKS cluster in the state; nothing to release")
            return StepResult(outputs: ["released": ""], outcome: .skipped)
        }
        do {
            let released = try await env.clusterAPI.releaseControllerResources(log: context.log)
            try await waitForControllersToLetGo(context)
            return StepResult(outputs: ["released": released.joined(separator: ", ")])
        } catch let unreachable as ClusterUnreachable {
            context.warn("could not reach the cluster's API (\(unreachable.detail)); the sweep after the cluster is gone removes what its controllers left")
            return StepResult(outputs: ["released": ""], outcome: .skipped)
        }
    }
}

extension ReleaseControllerResourcesStep {
    static let releaseDeadline: Duration = .seconds(600)

    /// Deleting a Service or NodePool only asks the controllers; the load balancers and instances go
    /// afterwards. Waits for AWS to show them gone (bounded, with progress), so terraform does not
    /// start destroying subnets under them; what is still there then is left to the sweep.
    func waitForControllersToLetGo(_ context: StepContext) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var lastNote = start
        while true {
            let left = try await env.findControllerLeftovers(context)
            if left.loadBalancers.isEmpty && left.instances.isEmpty { return }
            let waited = clock.now - start
            if waited > Self.releaseDeadline {
                context.warn("after \(waited.components.seconds)s, \(left.loadBalancers.count) load balancer(s) and \(left.instances.count) instance(s) are still there; the sweep removes them")
                return
            }
            if clock.now - lastNote >= .seconds(30) || lastNote == start {
                context.note("waiting for AWS to remove \(left.loadBalancers.count) load balancer(s) and \(left.instances.count) instance(s) (\(waited.components.seconds)s so far)")
                lastNote = clock.now
            }
            try await Task.sleep(for: .seconds(10))
        }
    }
}

/// Removes what the AWS load balancer controller left behind, so the VPC can be deleted.
public struct SweepStep: PipelineStep {
    public let id = StepID.sweep
    public let title = "Sweep what Kubernetes left in AWS"
    public let dependencies: [StepID]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment, dependencies: [StepID]) {
        self.env = env
        self.dependencies = dependencies
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("cluster", env.settings.cluster)
        f.add("region", env.settings.region)
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        let aws = env.aws
        return [
            aws.invocation(["elbv2", "describe-load-balancers"]).commandLine + "   # then describe-tags; delete those tagged \(env.controllerTagKey)=\(env.settings.cluster)",
            aws.invocation(["elbv2", "describe-target-groups"]).commandLine + "   # same tag",
            aws.invocation(["ec2", "describe-security-groups", "--filters", "Name=tag:\(env.controllerTagKey),Values=\(env.settings.cluster)"]).commandLine,
            aws.invocation(["ec2", "describe-network-interfaces", "--filters", "Name=vpc-id,Values=<vpc>", "Name=status,Values=available"]).commandLine,
            aws.invocation(["ec2", "describe-instances", "--filters", "Name=tag:\(env.ownershipTag),Values=owned"]).commandLine + "   # terminate, wait",
            aws.invocation(["ec2", "describe-volumes", "--filters", "Name=tag:\(env.ownershipTag),Values=owned", "Name=status,Values=available"]).commandLine,
            "(the same two for tag \(ClusterEnvironment.clusterTagKey)=\(env.settings.cluster))",
        ]
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let left = try await env.findControllerLeftovers(context)
        return left.isEmpty ? .holds : .drifted("\(left.all.count) leftovers appeared")
    }

    /// Deletes, retrying while AWS says something still depends on the resource (an LB's ENIs linger).
    func delete(_ arguments: [String], what: String, _ context: StepContext) async throws {
        var delay = 2.0
        for attempt in 1...8 {
            switch try await env.aws.call(arguments, log: context.log) {
            case .success:
                return
            case .failure(let failure) where ["LoadBalancerNotFound", "TargetGroupNotFound", "InvalidGroup.NotFound",
                                              "InvalidNetworkInterfaceID.NotFound", "InvalidVolume.NotFound",
                                              "InvalidPermission.NotFound"].contains(failure.code ?? ""):
                return
            case .failure(let failure) where (failure.code == "DependencyViolation" || failure.code == "ResourceInUse") && attempt < 8:
                context.log.write("\(what) is still in use; retrying in \(Int(delay))s")
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            case .failure(let failure):
                throw failure.asError
            }
        }
    }

    /// Rules in other groups that name `group` as their source keep it alive; revoke them first.
    func revokeReferences(to group: String, _ context: StepContext) async throws {
        let referencing = try await env.aws.json(
            ["ec2", "describe-security-groups", "--filters", "Name=ip-permission.group-id,Values=\(group)"], log: context.log)
        for other in referencing["SecurityGroups"] as? [[String: Any]] ?? [] {
            guard let otherID = other["GroupId"] as? String, otherID != group else { continue }
            for permission in other["IpPermissions"] as? [[String: Any]] ?? [] {
                let pairs = (permission["UserIdGroupPairs"] as? [[String: Any]] ?? []).filter { $0["GroupId"] as? String == group }
                guard !pairs.isEmpty else { continue }
                var revoke: [String: Any] = ["IpProtocol": permission["IpProtocol"] ?? "-1", "UserIdGroupPairs": pairs.map { _ in ["GroupId": group] }]
                if let from = permission["FromPort"] { revoke["FromPort"] = from }
                if let to = permission["ToPort"] { revoke["ToPort"] = to }
                let data = try JSONSerialization.data(withJSONObject: [revoke])
                try await delete(
                    ["ec2", "revoke-security-group-ingress", "--group-id", otherID, "--ip-permissions", String(decoding: data, as: UTF8.self)],
                    what: "rule in \(otherID) naming \(group)", context)
            }
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let found = try await env.findControllerLeftovers(context)
        if !found.instances.isEmpty {
            context.note("terminating \(found.instances.count) instance(s) left by Karpenter: \(found.instances.joined(separator: ", "))")
            _ = try await env.aws.json(["ec2", "terminate-instances", "--instance-ids"] + found.instances, log: context.log)
            // Their network interfaces and security group memberships go only once they are terminated.
            for _ in 0..<60 {
                let state = try await env.aws.json(["ec2", "describe-instances", "--instance-ids"] + found.instances, log: context.log)
                let states = (state["Reservations"] as? [[String: Any]] ?? []).flatMap { $0["Instances"] as? [[String: Any]] ?? [] }
                    .compactMap { ($0["State"] as? [String: Any])?["Name"] as? String }
                if states.allSatisfy({ $0 == "terminated" }) { break }
                try await Task.sleep(for: .seconds(5))
            }
        }
        for volume in found.volumes {
            try await delete(["ec2", "delete-volume", "--volume-id", volume], what: volume, context)
        }
        for arn in found.loadBalancers {
            try await delete(["elbv2", "delete-load-balancer", "--load-balancer-arn", arn], what: arn, context)
        }
        for arn in found.targetGroups {
            try await delete(["elbv2", "delete-target-group", "--target-group-arn", arn], what: arn, context)
        }
        for group in found.securityGroups {
            try await revokeReferences(to: group, context)
            try await delete(["ec2", "delete-security-group", "--group-id", group], what: group, context)
        }
        for eni in found.networkInterfaces {
            try await delete(["ec2", "delete-network-interface", "--network-interface-id", eni], what: eni, context)
        }
        let left = try await env.findControllerLeftovers(context)
        guard left.isEmpty else {
            throw SlinkyError.precondition(
                "these resources are still there after the sweep: \(left.all.joined(separator: ", "))",
                hint: "delete them in the AWS console or CLI, then run slinky cleanup again")
        }
        return StepResult(outputs: [
            "load_balancers": String(found.loadBalancers.count), "target_groups": String(found.targetGroups.count),
            "security_groups": String(found.securityGroups.count), "network_interfaces": String(found.networkInterfaces.count),
            "instances": String(found.instances.count), "volumes": String(found.volumes.count),
        ])
    }
}

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
