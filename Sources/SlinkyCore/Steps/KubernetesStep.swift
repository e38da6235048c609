import Foundation

/// Installs what terraform/kubernetes lists (cluster components, Slinky, the Slurm cluster) with helm, in
/// order, from the same releases and values `slinky render` shows.
public struct KubernetesStep: PipelineStep {
    public let id: StepID = .kubernetes
    public let title = "Install Slurm and the cluster components (helm)"
    public let dependencies: [StepID] = [.terraformApply]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    var layer: KubernetesLayer { env.kubernetesLayer }

    var charts: ChartSource { env.chartSource(environment: ProcessInfo.processInfo.environment) }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("layer", SHA256Hex.hashTree(layer.layerDirectory))
        f.add("stack", SHA256Hex.hashTree(env.settings.stackDirectory))
        f.add("cluster", env.settings.cluster)
        f.add("region", env.settings.region)
        f.add("blueprint", data: Data(((try? BlueprintFile.read(env.settings.blueprintPath)) ?? "").utf8))
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        layer.plannedCommands(withAWSOutputs: true) + [
            "kubectl create -f - < <each generated Secret, values on stdin>",
            "kubectl apply --server-side --field-manager=slinky --force-conflicts -f - < <each object>",
            "helm upgrade --install <each release, in order> --wait   # slinky render --out DIR shows them all",
        ]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let awsOutputs = try await env.terraform.run(env.terraform.outputJSON, log: context.log).standardOutput
        let plan = try await layer.plan(awsOutputs: awsOutputs, log: context.log)
        var outputs = [
            "slinky_version": plan.slinkyVersion,
            "releases": plan.releases.map(\.name).joined(separator: ", "),
        ]
        guard plan.deploy else {
            context.note("deploy_kubernetes_layer = false: the AWS layer is up, nothing was installed on the cluster; `slinky render` shows what would be")
            outputs["installed"] = "no (deploy_kubernetes_layer = false)"
            return StepResult(outputs: outputs, outcome: .skipped)
        }
        // Every chart first, so a missing one stops the step before anything changes on the cluster.
        var chartDirectories: [String: String] = [:]
        for release in plan.releases {
            switch try await charts.resolve(release, log: context.log) {
            case .found(let path): chartDirectories[release.name] = path
            case .unavailable(let why):
                throw SlinkyError.precondition(
                    "the chart of release \(release.name) is not available: \(why)",
                    hint: "check the network to its registry (or set SLINKY_CHARTS_DIR to unpacked charts), then run `slinky install` again to continue from step kubernetes")
            }
        }
        do {
            try await KubernetesDeployer(api: env.clusterAPI).deploy(
                plan, chartDirectories: chartDirectories, valuesDirectory: "\(layer.workDirectory)/values", log: context.log,
                progress: { context.note($0) })
        } catch let unreachable as ClusterUnreachable {
            throw SlinkyError.serviceUnavailable(
                what: "the cluster's Kubernetes API", detail: unreachable.detail,
                hint: "this machine must reach the EKS endpoint (cluster_endpoint_public_access_cidrs in the blueprint); then run `slinky install` again to continue from step kubernetes")
        }
        outputs["installed"] = "yes"
        return StepResult(outputs: outputs)
    }

}

/// What goes onto a cluster, in order: generated secrets (created once, kept after), objects slinky owns,
/// then each release, so every release finds what it needs (CRDs, webhooks, the database password).
public struct KubernetesDeployer: Sendable {
    let api: any ClusterAPI

    public init(api: any ClusterAPI) { self.api = api }

    public func deploy(
        _ plan: DeploymentPlan, chartDirectories: [String: String], valuesDirectory: String, log: StepLog,
        progress: @Sendable (String) -> Void
    ) async throws {
        try AtomicFile.makeDirectory(valuesDirectory, permissions: 0o700)
        for secret in plan.secrets {
            let values = Dictionary(uniqueKeysWithValues: secret.keys.map { ($0, Secret(Self.generatedPassword())) })
            let created = try await api.createSecretIfMissing(secret, values: values, log: log)
            log.write("secret \(secret.namespace)/\(secret.name): \(created ? "created" : "already there, kept")")
        }
        for object in plan.objects {
            try await api.apply(object: object, log: log)
        }
        for release in plan.releases {
            guard let chart = chartDirectories[release.name] else {
                throw SlinkyError.precondition("no chart was resolved for release \(release.name)", hint: "")
            }
            let valuesPath = "\(valuesDirectory)/\(release.name).yaml"
            try AtomicFile.write(release.valuesYAML, to: valuesPath, permissions: 0o600)
            progress("helm: \(release.name) \(release.version) in \(release.namespace)")
            try await api.install(release, chartDirectory: chart, valuesPath: valuesPath, log: log)
        }
    }

    /// 32 letters and digits from the system's secure generator.
    static func generatedPassword() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
