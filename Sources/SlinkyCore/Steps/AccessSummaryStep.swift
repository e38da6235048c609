import Foundation

/// The last install step: what the user needs next, with the login hostname when the cluster can say it.
public struct AccessSummaryStep: PipelineStep {
    public let id = StepID.access
    public let title = "Login details"
    public let dependencies: [StepID] = [.kubernetes]
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
