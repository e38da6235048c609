import Foundation

/// What a re-run's identity check can take from ECR instead of STS.
///
/// A re-run of an install whose image is recorded asks ECR `describe-images` for that repository and tag anyway
/// (the repository and image checks), and without `--registry-id` ECR answers from the registry of the account
/// the credentials belong to, naming it. When that is the recorded account, the answer proves what
/// `sts get-caller-identity` would: the credentials work, for this account. The re-run then needs one start-up
/// of the AWS CLI where it needed two side by side (each ~0.6 s of Python with CLI v1).
/// Anything else (another account, the image gone, an error) falls back to STS.
public struct ECRIdentityProof: Sendable, Equatable {
    public let repository: String
    public let tag: String
    public let account: String
    /// STS's ARN from the run that recorded the account: ECR does not name the principal.
    public let recordedARN: String

    public init(repository: String, tag: String, account: String, recordedARN: String) {
        self.repository = repository
        self.tag = tag
        self.account = account
        self.recordedARN = recordedARN
    }

    /// The proof a run may try: only an install whose journal records the account in this region, and the
    /// repository and image it is about to check again.
    public static func candidate(journal: Journal?, settings: ClusterSettings, phase: Phase) -> ECRIdentityProof? {
        guard phase == .install, let journal, let account = journal.account, journal.region == settings.region,
              let identity = journal.install[StepID.identity.rawValue], identity.state == .succeeded,
              identity.outputs["account"] == account,
              let repository = journal.install[StepID.ecrRepository.rawValue], repository.state == .succeeded,
              repository.outputs["uri"] == "\(account).dkr.ecr.\(settings.region).amazonaws.com/\(settings.repositoryName)",
              let image = journal.install[StepID.image.rawValue], image.state == .succeeded,
              image.outputs["tag"] == settings.tag
        else { return nil }
        return ECRIdentityProof(
            repository: settings.repositoryName, tag: settings.tag, account: account,
            recordedARN: identity.outputs["arn"] ?? "")
    }
}
