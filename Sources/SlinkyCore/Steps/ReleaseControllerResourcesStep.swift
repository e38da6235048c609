import Foundation

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
