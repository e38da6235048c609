import Foundation

/// The one seam between slinky and a live Kubernetes API server.
///
/// Everything before a call through this protocol is tested against real peers; the calls themselves need
/// an EKS control plane, which no test machine here has. Keep it this narrow.
public protocol ClusterAPI: Sendable {
    /// The login service's load balancer hostname, or nil while AWS is still provisioning it.
    func loginHostname(log: StepLog) async throws -> String?
    /// Deletes what makes AWS resources outside terraform's knowledge (LoadBalancer services, Karpenter
    /// NodePools) and waits for them to go, so the VPC can be destroyed afterwards.
    func releaseControllerResources(log: StepLog) async throws -> [String]
}

public struct ClusterUnreachable: Error, Sendable {
    public var detail: String
}

/// The real seam: `aws eks update-kubeconfig` into a private kubeconfig, then kubectl.
public struct KubectlClusterAPI: ClusterAPI {
    let runner: ProcessRunner
    let aws: AWSCLI
    let cluster: String
    let kubeconfigPath: String

    public init(runner: ProcessRunner, aws: AWSCLI, cluster: String, kubeconfigPath: String) {
        self.runner = runner
        self.aws = aws
        self.cluster = cluster
        self.kubeconfigPath = kubeconfigPath
    }

    private func connect(log: StepLog) async throws {
        let update = try await aws.call(
            ["eks", "update-kubeconfig", "--name", cluster, "--kubeconfig", kubeconfigPath], log: log)
        if case .failure(let failure) = update {
            if failure.isCredentialProblem { throw failure.asError }
            throw ClusterUnreachable(detail: failure.result.standardErrorTail.last ?? "update-kubeconfig failed")
        }
    }

    private func kubectl(_ arguments: [String], log: StepLog) async throws -> String {
        let invocation = Invocation("kubectl", ["--kubeconfig", kubeconfigPath, "--request-timeout=20s"] + arguments)
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        guard result.succeeded else {
            throw ClusterUnreachable(detail: result.standardErrorTail.last ?? result.exitDescription)
        }
        return result.standardOutput
    }

    public func loginHostname(log: StepLog) async throws -> String? {
        try await connect(log: log)
        let json = try await kubectl(
            ["get", "services", "--all-namespaces", "-l", "app.kubernetes.io/name=login", "-o", "json"], log: log)
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let items = object["items"] as? [[String: Any]]
        else { return nil }
        for item in items {
            let status = item["status"] as? [String: Any]
            let ingress = (status?["loadBalancer"] as? [String: Any])?["ingress"] as? [[String: Any]]
            if let host = ingress?.first?["hostname"] as? String ?? ingress?.first?["ip"] as? String { return host }
        }
        return nil
    }

    public func releaseControllerResources(log: StepLog) async throws -> [String] {
        try await connect(log: log)
        var released: [String] = []
        let json = try await kubectl(["get", "services", "--all-namespaces", "-o", "json"], log: log)
        if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let items = object["items"] as? [[String: Any]]
        {
            for item in items where (item["spec"] as? [String: Any])?["type"] as? String == "LoadBalancer" {
                guard let meta = item["metadata"] as? [String: Any], let name = meta["name"] as? String,
                    let namespace = meta["namespace"] as? String
                else { continue }
                _ = try await kubectl(["delete", "service", name, "-n", namespace, "--wait=true", "--timeout=10m"], log: log)
                released.append("service \(namespace)/\(name)")
            }
        }
        // NodePools may not exist (Karpenter not installed yet); that is not an error.
        if (try? await kubectl(["delete", "nodepools.karpenter.sh", "--all", "--wait=true", "--timeout=10m"], log: log)) != nil {
            released.append("karpenter nodepools")
        }
        return released
    }
}
