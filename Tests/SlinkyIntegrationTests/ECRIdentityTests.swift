import Foundation
import SlinkyTestSupport
import Testing
import SlinkyCore

extension SandboxTests {
    @Suite("A re-run's identity proven by the image check's describe-images, against moto's ECR and STS")
    struct ECRIdentityTests {
        /// moto's ECR takes a manifest without its blobs: enough for describe-images to name digest and registry.
        static let manifest = #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#

        func lookups(_ proof: ECRIdentityProof) -> (CallerIdentityLookup, ECRImageLookup) {
            let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
            let aws = AWSCLI(runner: runner, region: "us-west-2", profile: nil)
            let images = ECRImageLookup(aws: aws)
            return (CallerIdentityLookup(aws: aws, proof: (proof, images)), images)
        }

        @Test("ECR answering from the recorded account proves it and the image check reuses that answer; another account, tag or repository asks STS")
        func identityFromTheImageCheck() async throws {
            let ws = try Workspace(prefix: "ecrid")
            defer { ws.remove() }
            let repository = try await ImageTests.createRepository()
            let (put, _) = try await Runner.aws([
                "ecr", "put-image", "--repository-name", repository, "--image-tag", "v1", "--image-manifest", Self.manifest,
            ])
            try #require(put == 0, "put-image")
            let digest = try #require(try await ImageTests.ecrDigest(repository, tag: "v1"))
            let (sts, caller) = try await Runner.aws(["sts", "get-caller-identity"])
            try #require(sts == 0)
            let account = try #require(caller["Account"] as? String)

            // The recorded account: no STS, the recorded principal, and the image check is answered by the same call.
            let recorded = ECRIdentityProof(repository: repository, tag: "v1", account: account, recordedARN: "arn:recorded")
            let (identity, images) = lookups(recorded)
            await identity.start()
            let proven = try await identity.identity()
            #expect(proven.account == account && proven.arn == "arn:recorded" && proven.provenByECR == recorded, "\(proven)")
            let log = StepLog(path: "\(ws.root)/image.log", stepID: .image, events: nil)
            #expect(try await images.describe(repository: repository, tag: "v1", log: log) == .repository(digest: digest))
            log.close()
            let logged = try String(contentsOfFile: "\(ws.root)/image.log", encoding: .utf8)
            #expect(logged.contains("asked at the start of the run"), "\(logged)")
            #expect(logged.contains(digest), "the early call's answer is in the log of the check that used it: \(logged)")

            // Anything ECR cannot vouch for is asked of STS, whose answer names the real principal.
            let strangers = [
                ECRIdentityProof(repository: repository, tag: "v1", account: "999999999999", recordedARN: "arn:recorded"),
                ECRIdentityProof(repository: repository, tag: "absent", account: account, recordedARN: "arn:recorded"),
                ECRIdentityProof(repository: repository + "-gone", tag: "v1", account: account, recordedARN: "arn:recorded"),
            ]
            for proof in strangers {
                let (fallback, _) = lookups(proof)
                let asked = try await fallback.identity()
                #expect(asked.provenByECR == nil, "\(proof)")
                #expect(asked.account == account)
                #expect(asked.arn == caller["Arn"] as? String)
            }
        }
    }
}
