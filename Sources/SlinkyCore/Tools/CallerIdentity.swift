import Foundation

/// `aws sts get-caller-identity`, asked once per run and shared: the bucket's state key and the identity
/// step both need the account, and each start-up of the v1 CLI costs 0.6 s or more of Python.
///
/// `start()` begins the call at once, so it overlaps whatever runs before the first reader (the tool checks).
/// Given an `ECRIdentityProof`, a re-run first lets ECR's describe-images answer (which the image checks need
/// anyway) prove the account, and asks STS only when it does not.
public actor CallerIdentityLookup {
    public struct Identity: Sendable, Equatable {
        public var account: String
        public var arn: String
        /// The describe-images call that proved the account, when STS was not asked.
        public var provenByECR: ECRIdentityProof?
    }

    let aws: AWSCLI
    let proof: (ECRIdentityProof, ECRImageLookup)?
    private var answer: Task<Identity, any Error>?

    public init(aws: AWSCLI, proof: (ECRIdentityProof, ECRImageLookup)? = nil) {
        self.aws = aws
        self.proof = proof
    }

    public var invocation: Invocation { aws.invocation(Self.arguments) }
    static let arguments = ["sts", "get-caller-identity"]

    public func start() {
        guard answer == nil else { return }
        let aws = self.aws
        let proof = self.proof
        answer = Task {
            if case let (candidate, images)? = proof {
                // Shared with the image checks: whichever asks first starts the one call.
                await images.start(repository: candidate.repository, tag: candidate.tag)
                if await images.registry(repository: candidate.repository, tag: candidate.tag) == candidate.account {
                    return Identity(account: candidate.account, arn: candidate.recordedARN, provenByECR: candidate)
                }
            }
            let identity = try await aws.json(Self.arguments, log: nil)
            guard let account = identity["Account"] as? String, !account.isEmpty else {
                throw SlinkyError.credentials(detail: "STS did not name an account", hint: "check your AWS credentials")
            }
            return Identity(account: account, arn: identity["Arn"] as? String ?? "")
        }
    }

    /// The answer of the run's one call (started now if nobody started it).
    public func identity() async throws -> Identity {
        start()
        return try await answer!.value
    }

    /// Waits for a call that was started but never read, so no child outlives the run.
    public func settle() async {
        _ = try? await answer?.value
    }
}
