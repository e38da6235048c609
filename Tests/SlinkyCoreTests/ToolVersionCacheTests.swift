import Foundation
import Testing
@testable import SlinkyCore

@Suite("Remembered tool versions and the kubeconfig written without the aws CLI")
struct ToolVersionCacheTests {
    /// A stand-in executable (a shell script), so the test controls when "the tool" is replaced.
    static func writeTool(_ name: String, in directory: String, version: String) throws {
        let path = (directory as NSString).appendingPathComponent(name)
        try "#!/bin/sh\necho '\(version)'\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    @Test("a version is remembered only while PATH leads to the same, unchanged executable")
    func rememberedWhileTheExecutableIsTheSame() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let bin = dir.file("bin"), other = dir.file("other-bin")
        for folder in [bin, other] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try Self.writeTool("mytool", in: bin, version: "mytool 1.0")
        try Self.writeTool("mytool", in: other, version: "mytool 1.0")
        let cache = ToolVersionCache(path: dir.file("state/tool-versions.json"), searchPath: "/nonexistent:\(bin)")

        #expect(cache.version(of: "mytool") == nil, "nothing is known before a probe answered")
        cache.record(["mytool": "mytool 1.0"])
        #expect(!FileManager.default.fileExists(atPath: dir.file("state")), "no state folder is made for it (a dry run leaves none)")
        try FileManager.default.createDirectory(atPath: dir.file("state"), withIntermediateDirectories: true)
        cache.record(["mytool": "mytool 1.0", "not-installed": "x"])
        #expect(cache.version(of: "mytool") == "mytool 1.0")
        #expect(cache.version(of: "not-installed") == nil, "a tool not on PATH is never remembered")
        let mode = try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600, "private, like every file in the cluster's state folder")
        #expect(cache.versions(of: ["mytool", "not-installed"]) == ["mytool": "mytool 1.0"])

        // Another PATH reaches another file: asked again, even though its content is the same.
        #expect(ToolVersionCache(path: cache.path, searchPath: other).version(of: "mytool") == nil)

        // An upgrade replaces the file: asked again.
        try Self.writeTool("mytool", in: bin, version: "mytool 2.0")
        #expect(cache.version(of: "mytool") == nil)
        cache.record(["mytool": "mytool 2.0"])
        #expect(cache.version(of: "mytool") == "mytool 2.0")

        // An unreadable cache is an empty one, never an error.
        try "not json".write(toFile: cache.path, atomically: true, encoding: .utf8)
        #expect(cache.version(of: "mytool") == nil)
    }

    @Test("the kubeconfig names the cluster by its ARN, trusts the recorded authority and gets tokens from aws eks get-token with the profile")
    func kubeconfigFromRecordedEndpoint() throws {
        var journal = Journal(cluster: "team-a")
        var apply = StepRecord(state: .succeeded)
        apply.outputs = ["cluster_endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "cluster_certificate_authority_data": "LS0tQ0E="]
        var identity = StepRecord(state: .succeeded)
        identity.outputs = ["account": "123456789012"]
        journal.install = [StepID.terraformApply.rawValue: apply, StepID.identity.rawValue: identity]
        let endpoint = try #require(EKSEndpoint.recorded(in: journal, cluster: "team-a"))
        #expect(endpoint.server == "https://ABC.gr7.eu-west-1.eks.amazonaws.com")

        let text = endpoint.kubeconfig(region: "eu-west-1", profile: "ml \"prod\"")
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/team-a"
        #expect(text.contains("current-context: \"\(arn)\""))
        #expect(text.contains("certificate-authority-data: \"LS0tQ0E=\""))
        #expect(text.contains("args: [\"--region\", \"eu-west-1\", \"eks\", \"get-token\", \"--cluster-name\", \"team-a\", \"--output\", \"json\"]"))
        #expect(text.contains("- name: AWS_PROFILE\n        value: \"ml \\\"prod\\\"\""), "a quote in a profile name stays inside its string")
        #expect(!endpoint.kubeconfig(region: "eu-west-1", profile: nil).contains("AWS_PROFILE"))

        // Before the full apply recorded an endpoint there is nothing to write from.
        journal.install[StepID.terraformApply.rawValue] = StepRecord(state: .failed)
        #expect(EKSEndpoint.recorded(in: journal, cluster: "team-a") == nil)
        #expect(EKSEndpoint.recorded(in: nil, cluster: "team-a") == nil)
    }
}
