import Foundation

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
