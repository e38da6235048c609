import Foundation

/// One `ecr describe-images` per repository and tag per run, shared by the repository and image checks of a
/// re-run: its answer proves whether the repository exists (RepositoryNotFoundException or not) and names the
/// tag's digest, so the two checks need one start-up of the AWS CLI instead of two.
public actor ECRImageLookup {
    public enum Answer: Sendable, Equatable {
        case repositoryMissing
        /// The repository exists; `digest` is nil when it holds no image with the tag.
        case repository(digest: String?)
    }

    let aws: AWSCLI
    private var answers: [String: Task<Answer, any Error>] = [:]

    public init(aws: AWSCLI) { self.aws = aws }

    /// The answer for `repository:tag`; the command line (and, the first time, its output) goes to `log`.
    public func describe(repository: String, tag: String, log: StepLog) async throws -> Answer {
        let arguments = ImageBuilder.describeImageArguments(repositoryName: repository, tag: tag)
        let key = "\(repository):\(tag)"
        if let pending = answers[key] {
            log.command(aws.invocation(arguments).commandLine + "   # answered by the run's one describe-images of this tag")
            return try await pending.value
        }
        let aws = self.aws
        let pending = Task<Answer, any Error> {
            switch try await aws.call(arguments, log: log) {
            case .success(let text):
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                return .repository(digest: (object?["imageDetails"] as? [[String: Any]])?.first?["imageDigest"] as? String)
            case .failure(let failure) where failure.code == "ImageNotFoundException":
                return .repository(digest: nil)
            case .failure(let failure) where failure.code == "RepositoryNotFoundException":
                return .repositoryMissing
            case .failure(let failure):
                throw failure.asError
            }
        }
        answers[key] = pending
        return try await pending.value
    }
}
