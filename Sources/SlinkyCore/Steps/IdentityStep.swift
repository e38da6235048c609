import Foundation

/// Who and where: the account behind the credentials, checked with STS (or, on a re-run, ECR's answer).
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
        // The run's one identity call, started with the run beside the tool checks: STS, or on a re-run the
        // image checks' describe-images (see ECRIdentityProof).
        let identity = try await env.identity.identity()
        if let proof = identity.provenByECR {
            let describe = env.aws.invocation(ImageBuilder.describeImageArguments(repositoryName: proof.repository, tag: proof.tag))
            context.log.command(describe.commandLine + "   # the image check's call, asked at the start of the run")
            context.log.write("account \(identity.account): ECR answered from the registry of the recorded account, "
                + "so the credentials work for it and STS was not asked; principal as recorded: \(identity.arn)")
        } else {
            context.log.command(await env.identity.invocation.commandLine)
            context.log.write("account \(identity.account), \(identity.arn)")
        }
        return StepResult(outputs: [
            "account": identity.account, "arn": identity.arn, "region": env.settings.region,
            "profile": env.settings.profile ?? "",
        ])
    }
}
