import Foundation

/// The ECR repository the slurmd image goes to: described first, created only when missing.
public struct ECRRepositoryStep: PipelineStep {
    public let id = StepID.ecrRepository
    public var title: String { "ECR repository \(env.settings.repositoryName)" }
    public let dependencies: [StepID] = [.identity]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("repository", env.settings.repositoryName)
        f.add("region", env.settings.region)
        f.add("account", context.output(.identity, "account"))
        return f.value
    }

    var describe: [String] { ["ecr", "describe-repositories", "--repository-names", env.settings.repositoryName] }

    static let lifecyclePolicy = #"{"rules":[{"rulePriority":1,"description":"expire untagged images after 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#

    var create: [String] {
        ["ecr", "create-repository", "--repository-name", env.settings.repositoryName,
         "--image-scanning-configuration", "scanOnPush=true",
         "--tags", "Key=managed-by,Value=slinky", "Key=slinky:cluster,Value=\(env.settings.cluster)"]
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        [env.aws.invocation(describe).commandLine,
         env.aws.invocation(create).commandLine + "   # only when missing" + (env.settings.skipRepo ? " (not with --skip-repo)" : "")]
    }

    /// The repository still exists. Asked through the describe-images the image check needs anyway (one
    /// CLI start-up for both): ECR answers it for any existing repository, and RepositoryNotFoundException
    /// otherwise. The URI is not compared: it is made of the account, region and name, which the fingerprint
    /// already holds to the recorded ones.
    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        guard recorded.outputs["uri"] != nil else { return .drifted("the journal holds no repository URI") }
        let answer = try await env.ecrImages.describe(repository: env.settings.repositoryName, tag: env.settings.tag, log: context.log)
        return answer == .repositoryMissing ? .drifted("the repository is gone") : .holds
    }

    func existingURI(_ context: StepContext) async throws -> String? {
        switch try await env.aws.call(describe, log: context.log) {
        case .success(let text):
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let repositories = object?["repositories"] as? [[String: Any]]
            return repositories?.first?["repositoryUri"] as? String
        case .failure(let failure) where failure.code == "RepositoryNotFoundException":
            return nil
        case .failure(let failure):
            throw failure.asError
        }
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        if let uri = try await existingURI(context) {
            context.log.write("repository exists: \(uri)")
            return StepResult(outputs: ["uri": uri, "created": "no"], outcome: env.settings.skipRepo ? .skipped : .done)
        }
        if env.settings.skipRepo {
            throw SlinkyError.precondition(
                "--skip-repo was given but the ECR repository \(env.settings.repositoryName) does not exist in \(env.settings.region)",
                hint: "run without --skip-repo so slinky creates it, or pass --repo-name with an existing repository")
        }
        let uri: String
        switch try await env.aws.call(create, log: context.log) {
        case .success(let text):
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            guard let created = (object?["repository"] as? [String: Any])?["repositoryUri"] as? String else {
                throw SlinkyError.precondition("ECR created the repository but did not return its URI", hint: "run slinky install again")
            }
            uri = created
        // Someone created it between our describe and our create: exactly the answer we wanted.
        case .failure(let failure) where failure.code == "RepositoryAlreadyExistsException":
            guard let existing = try await existingURI(context) else { throw failure.asError }
            uri = existing
        case .failure(let failure):
            throw failure.asError
        }
        let policy = try await env.aws.call(
            ["ecr", "put-lifecycle-policy", "--repository-name", env.settings.repositoryName,
             "--lifecycle-policy-text", Self.lifecyclePolicy], log: context.log)
        if case .failure(let failure) = policy {
            context.warn("could not set the lifecycle policy that expires untagged images: \(failure.code ?? failure.result.exitDescription)")
        }
        return StepResult(outputs: ["uri": uri, "created": "yes"])
    }
}
