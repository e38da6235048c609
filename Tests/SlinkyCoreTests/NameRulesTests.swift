import Foundation
import Testing
@testable import SlinkyCore

@Suite("Names and regions")
struct NameRulesTests {
    @Test("valid ECR repository names are accepted", arguments: [
        "dlc-slurmd", "ab", "team/dlc-slurmd", "a.b_c-d", "ns/sub/repo1", "0day", String(repeating: "a", count: 256),
    ])
    func validRepositories(name: String) {
        #expect(throws: Never.self) { try NameRules.validateRepositoryName(name) }
    }

    @Test("invalid ECR repository names are rejected", arguments: [
        "", "a", "Upper", "-lead", "trail-", "a//b", "/abs", "abs/", "a..b", "a b", "a:tag", String(repeating: "a", count: 257),
    ])
    func invalidRepositories(name: String) {
        let error = #expect(throws: SlinkyError.self) { try NameRules.validateRepositoryName(name) }
        #expect(error?.exitStatus == .usage)
    }

    @Test("valid image tags are accepted", arguments: [
        "latest", "25.05.0-ubuntu24.04", "_x", "A_b.c-d", "1", String(repeating: "t", count: 128),
    ])
    func validTags(tag: String) {
        #expect(throws: Never.self) { try NameRules.validateTag(tag) }
    }

    @Test("invalid image tags are rejected", arguments: [
        "", ".hidden", "-dash", "has space", "a:b", "a/b", String(repeating: "t", count: 129),
    ])
    func invalidTags(tag: String) {
        #expect(throws: SlinkyError.self) { try NameRules.validateTag(tag) }
    }

    @Test("valid cluster names are accepted", arguments: [
        "slurm-on-eks", "a", "A1", "x-y-z", "a" + String(repeating: "b", count: 37),
    ])
    func validClusters(name: String) {
        #expect(throws: Never.self) { try NameRules.validateClusterName(name) }
    }

    @Test("invalid cluster names are rejected", arguments: [
        "", "1abc", "-x", "x-", "has_underscore", "dot.ted", "a" + String(repeating: "b", count: 38),
    ])
    func invalidClusters(name: String) {
        #expect(throws: SlinkyError.self) { try NameRules.validateClusterName(name) }
    }

    @Test("known regions are accepted", arguments: ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"])
    func knownRegions(region: String) {
        #expect(throws: Never.self) { try AWSRegions.validate(region, source: "--region") }
    }

    @Test("an unknown region is rejected with a suggestion naming a real nearby region")
    func unknownRegion() {
        let error = #expect(throws: SlinkyError.self) { try AWSRegions.validate("us-west-9", source: "--region") }
        guard case .invalidInput(let message, let hint)? = error else {
            Issue.record("expected invalidInput, got \(String(describing: error))")
            return
        }
        #expect(message.contains("us-west-9"))
        #expect(message.contains("--region"))
        #expect(hint.contains("did you mean"))
        #expect(AWSRegions.known.contains { hint.contains($0) && $0.hasPrefix("us-west-") })
    }

    @Test("a missing hyphen suggests the region that was meant")
    func missingHyphen() {
        let error = #expect(throws: SlinkyError.self) { try AWSRegions.validate("us-west2", source: "AWS_REGION") }
        #expect(error?.hint?.contains("did you mean us-west-2?") == true)
        #expect(error?.message.contains("AWS_REGION") == true)
    }

    @Test("a name far from every region gets no guess")
    func noGuess() {
        let error = #expect(throws: SlinkyError.self) { try AWSRegions.validate("mars-north-1", source: "--region") }
        #expect(error?.hint?.contains("did you mean") == false)
    }

    @Test("edit distance counts insertions, deletions and substitutions")
    func distance() {
        #expect(AWSRegions.distance("us-west-2", "us-west-2") == 0)
        #expect(AWSRegions.distance("us-west2", "us-west-2") == 1)
        #expect(AWSRegions.distance("us-west-9", "us-west-2") == 1)
        #expect(AWSRegions.distance("", "abc") == 3)
        #expect(AWSRegions.distance("abc", "") == 3)
        #expect(AWSRegions.distance("kitten", "sitting") == 3)
    }

    @Test("a name with a trailing newline is rejected by every validator",
          arguments: ["repository", "tag", "cluster"])
    func trailingNewline(kind: String) {
        #expect(throws: SlinkyError.self) {
            switch kind {
            case "repository": try NameRules.validateRepositoryName("dlc-slurmd\n")
            case "tag": try NameRules.validateTag("latest\n")
            default: try NameRules.validateClusterName("slurm\n")
            }
        }
    }
}
