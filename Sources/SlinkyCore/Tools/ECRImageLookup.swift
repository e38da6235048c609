import Foundation

/// One `ecr describe-images` per repository and tag per run, shared by the repository and image checks of a
/// re-run: its answer proves whether the repository exists (RepositoryNotFoundException or not) and names the
/// tag's digest, so the two checks need one start-up of the AWS CLI instead of two. It also names the registry
/// (the account) the credentials reached, which lets a re-run prove its identity without STS
/// (see `ECRIdentityProof`).
public actor ECRImageLookup {
    public enum Answer: Sendable, Equatable {
        case repositoryMissing
        /// The repository exists; `digest` is nil when it holds no image with the tag.
        case repository(digest: String?)
    }

    struct Reply: Sendable {
        var answer: Answer
        /// The registry ID ECR answered with: the account of the credentials (no --registry-id is passed).
        var registry: String?
        /// The raw answer, for the step log of whichever check reads a call started before any step ran.
        var text: String
    }

    let aws: AWSCLI
    private var replies: [String: Task<Reply, any Error>] = [:]
    /// Calls started before any step log existed, whose output the first reader's log has not shown yet.
    private var unlogged: Set<String> = []

    public init(aws: AWSCLI) { self.aws = aws }

    /// Begins the call for `repository:tag` now, with no log: the first `describe` writes it to its step's log.
    public func start(repository: String, tag: String) {
        let key = Self.key(repository, tag)
        guard replies[key] == nil else { return }
        unlogged.insert(key)
        replies[key] = ask(repository: repository, tag: tag, log: nil)
    }

    /// The answer for `repository:tag`; the command line (and, the first time, its output) goes to `log`.
    public func describe(repository: String, tag: String, log: StepLog) async throws -> Answer {
        let key = Self.key(repository, tag)
        let commandLine = aws.invocation(ImageBuilder.describeImageArguments(repositoryName: repository, tag: tag)).commandLine
        guard let pending = replies[key] else {
            let asked = ask(repository: repository, tag: tag, log: log)
            replies[key] = asked
            return try await asked.value.answer
        }
        if unlogged.remove(key) != nil {
            log.command(commandLine + "   # asked at the start of the run")
            let reply = try await pending.value
            if !reply.text.isEmpty { log.write(reply.text) }
            return reply.answer
        }
        log.command(commandLine + "   # answered by the run's one describe-images of this tag")
        return try await pending.value.answer
    }

    /// The registry a call started for `repository:tag` answered with; nil when it failed or named none.
    func registry(repository: String, tag: String) async -> String? {
        guard let pending = replies[Self.key(repository, tag)] else { return nil }
        return try? await pending.value.registry
    }

    private static func key(_ repository: String, _ tag: String) -> String { "\(repository):\(tag)" }

    private func ask(repository: String, tag: String, log: StepLog?) -> Task<Reply, any Error> {
        let aws = self.aws
        let arguments = ImageBuilder.describeImageArguments(repositoryName: repository, tag: tag)
        return Task {
            switch try await aws.call(arguments, log: log) {
            case .success(let text):
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                let image = (object?["imageDetails"] as? [[String: Any]])?.first
                return Reply(
                    answer: .repository(digest: image?["imageDigest"] as? String), registry: image?["registryId"] as? String,
                    text: text.trimmingCharacters(in: .whitespacesAndNewlines))
            case .failure(let failure) where failure.code == "ImageNotFoundException":
                return Reply(answer: .repository(digest: nil), registry: nil, text: failure.result.standardErrorTail.joined(separator: "\n"))
            case .failure(let failure) where failure.code == "RepositoryNotFoundException":
                return Reply(answer: .repositoryMissing, registry: nil, text: failure.result.standardErrorTail.joined(separator: "\n"))
            case .failure(let failure):
                throw failure.asError
            }
        }
    }
}
