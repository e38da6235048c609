import Foundation
import Testing
@testable import SlinkyCore

@Suite("A re-run's identity from the image check's ECR answer: when it may be tried")
struct ECRIdentityProofTests {
    let settings = ClusterSettings.installFixture

    static func record(_ outputs: [String: String]) -> StepRecord {
        var record = StepRecord(state: .succeeded)
        record.outputs = outputs
        return record
    }

    /// The journal of an install that recorded the account, the repository and the image this run names.
    var installed: Journal {
        var journal = Journal(cluster: "gpu-a")
        journal.account = "111122223333"
        journal.region = "us-west-2"
        journal.install["identity"] = Self.record(["account": "111122223333", "arn": "arn:aws:iam::111122223333:user/ml"])
        journal.install["ecr-repository"] = Self.record(["uri": "111122223333.dkr.ecr.us-west-2.amazonaws.com/slurmd"])
        journal.install["image"] = Self.record(["tag": "v1", "digest": "sha256:ab"])
        return journal
    }

    @Test("an install re-run with the recorded repository and tag asks ECR for what the image check needs, naming the recorded principal")
    func reRunOfARecordedImage() throws {
        let proof = try #require(ECRIdentityProof.candidate(journal: installed, settings: settings, phase: .install))
        #expect(proof == ECRIdentityProof(
            repository: "slurmd", tag: "v1", account: "111122223333", recordedARN: "arn:aws:iam::111122223333:user/ml"))
    }

    @Test("a first install, a cleanup, another region, repository or tag, or a step not recorded as done: STS is asked")
    func anythingElseAsksSTS() {
        #expect(ECRIdentityProof.candidate(journal: nil, settings: settings, phase: .install) == nil)
        #expect(ECRIdentityProof.candidate(journal: installed, settings: settings, phase: .cleanup) == nil)
        var elsewhere = settings
        elsewhere.region = "eu-west-1"
        #expect(ECRIdentityProof.candidate(journal: installed, settings: elsewhere, phase: .install) == nil)
        var otherRepository = settings
        otherRepository.repositoryName = "slurmd-2"
        #expect(ECRIdentityProof.candidate(journal: installed, settings: otherRepository, phase: .install) == nil)
        var otherTag = settings
        otherTag.tag = "v2"
        #expect(ECRIdentityProof.candidate(journal: installed, settings: otherTag, phase: .install) == nil)
        for step in ["identity", "ecr-repository", "image"] {
            var failed = installed
            failed.install[step]?.state = .failed
            #expect(ECRIdentityProof.candidate(journal: failed, settings: settings, phase: .install) == nil, "\(step) failed")
        }
    }
}
