import Foundation

/// Who and where: the account behind the credentials, checked with STS.
public struct IdentityStep: PipelineStep {
    public let id = StepID.identity
    public let title = "Resolve account and region"
    public let dependencies: [StepID] = [.preflight]
    public var alwaysRuns: Bool { true }
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public func fingerprint(_ context: StepContext) async throws -> String { "" }

    public func plannedCommands(_ context: StepContext) -> [String] {
        [env.aws.invocation(["sts", "get-caller-identity"]).commandLine]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let identity = try await env.aws.json(["sts", "get-caller-identity"], log: context.log)
        guard let account = identity["Account"] as? String else {
            throw SlinkyError.credentials(detail: "STS did not name an account", hint: "check your AWS credentials")
        }
        return StepResult(outputs: [
            "account": account, "arn": identity["Arn"] as? String ?? "", "region": env.settings.region,
            "profile": env.settings.profile ?? "",
        ])
    }
}
