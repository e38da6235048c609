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
    /// Creates a Secret with these values unless one of that name exists (a database initialised with the
    /// first password must keep it). The values travel on stdin only.
    func createSecretIfMissing(_ secret: GeneratedSecret, values: [String: Secret], log: StepLog) async throws -> Bool
    /// Server-side apply of one object (JSON), owned by field manager "slinky".
    func apply(object json: String, log: StepLog) async throws
    /// `helm upgrade --install` of one release from an unpacked chart and a values file.
    func install(_ release: HelmRelease, chartDirectory: String, valuesPath: String, log: StepLog) async throws
}

public struct ClusterUnreachable: Error, Sendable {
    public var detail: String
}

/// The real seam: a private kubeconfig (written from the cluster's recorded endpoint, else by
/// `aws eks update-kubeconfig`), then kubectl and helm.
public struct KubectlClusterAPI: ClusterAPI {
    let runner: ProcessRunner
    let aws: AWSCLI
    let cluster: String
    let kubeconfigPath: String
    /// The endpoint terraform recorded for the cluster, when there is one.
    let endpoint: @Sendable () -> EKSEndpoint?

    public init(
        runner: ProcessRunner, aws: AWSCLI, cluster: String, kubeconfigPath: String,
        endpoint: @escaping @Sendable () -> EKSEndpoint? = { nil }
    ) {
        self.runner = runner
        self.aws = aws
        self.cluster = cluster
        self.kubeconfigPath = kubeconfigPath
        self.endpoint = endpoint
    }

    private func connect(log: StepLog) async throws {
        // What update-kubeconfig would write, from what terraform recorded: the same file without starting
        // the aws CLI (half a second of Python) once per call.
        if let endpoint = endpoint() {
            let text = endpoint.kubeconfig(region: aws.region, profile: aws.profile)
            if FileManager.default.contents(atPath: kubeconfigPath) != Data(text.utf8) {
                try AtomicFile.write(Data(text.utf8), to: kubeconfigPath, permissions: 0o600)
                log.write("wrote \(kubeconfigPath) for \(endpoint.server) (from terraform's outputs)")
            }
            return
        }
        let update = try await aws.call(
            ["eks", "update-kubeconfig", "--name", cluster, "--kubeconfig", kubeconfigPath], log: log)
        if case .failure(let failure) = update {
            if failure.isCredentialProblem { throw failure.asError }
            throw ClusterUnreachable(detail: failure.result.standardErrorTail.last ?? "update-kubeconfig failed")
        }
    }

    private func kubectl(_ arguments: [String], log: StepLog) async throws -> String {
        // Without an accepted error, a failure throws, so there is always output.
        try await kubectl(arguments, log: log, accepting: nil) ?? ""
    }

    /// nil when kubectl failed with the accepted error (e.g. AlreadyExists).
    private func kubectl(_ arguments: [String], log: StepLog, accepting accepted: String?, input: Secret? = nil) async throws -> String? {
        let invocation = Invocation(
            "kubectl", ["--kubeconfig", kubeconfigPath, "--request-timeout=20s"] + arguments, standardInput: input)
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        guard result.succeeded else {
            if let accepted, result.standardErrorTail.contains(where: { $0.contains(accepted) }) { return nil }
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

    public func createSecretIfMissing(_ secret: GeneratedSecret, values: [String: Secret], log: StepLog) async throws -> Bool {
        try await connect(log: log)
        _ = try await kubectl(["create", "namespace", secret.namespace], log: log, accepting: "AlreadyExists")
        let manifest: [String: Any] = [
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": ["name": secret.name, "namespace": secret.namespace, "labels": ["app.kubernetes.io/managed-by": "slinky"]],
            "data": values.mapValues { Data($0.value.utf8).base64EncodedString() },
        ]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let output = try await kubectl(
            ["create", "-f", "-"], log: log, accepting: "AlreadyExists", input: Secret(String(decoding: data, as: UTF8.self)))
        return output != nil
    }

    public func apply(object json: String, log: StepLog) async throws {
        try await connect(log: log)
        _ = try await kubectl(
            ["apply", "--server-side", "--field-manager=slinky", "--force-conflicts", "-f", "-"], log: log, accepting: nil, input: Secret(json))
    }

    public func install(_ release: HelmRelease, chartDirectory: String, valuesPath: String, log: StepLog) async throws {
        try await connect(log: log)
        let invocation = Helm().upgradeInstall(release, chartDirectory: chartDirectory, valuesPath: valuesPath, kubeconfig: kubeconfigPath)
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        guard result.succeeded else {
            let tail = result.standardErrorTail.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            if tail.contains(where: { $0.contains("Kubernetes cluster unreachable") || $0.contains("connection refused") || $0.contains("no such host") }) {
                throw ClusterUnreachable(detail: tail.last ?? result.exitDescription)
            }
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: invocation.commandLine, exitDescription: result.exitDescription, stderrTail: tail,
                logPath: log.path,
                hint: "`helm status \(release.name) -n \(release.namespace) --kubeconfig \(kubeconfigPath)` shows the release; fix the cause, then run `slinky install` again to continue from step kubernetes"))
        }
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
