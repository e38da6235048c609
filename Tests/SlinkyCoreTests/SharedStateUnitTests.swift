import Foundation
import Testing
@testable import SlinkyCLI
@testable import SlinkyCore

@Suite("Shared state: names, backend override, workspace, recorded bucket")
struct SharedStateUnitTests {
    let location = RemoteStateLocation(
        bucket: "team-state", bucketRegion: "eu-west-1", account: "111122223333", region: "us-west-2",
        cluster: "gpu-a", pathStyle: false)

    @Test("the state key names account, region and cluster, so one bucket serves many of each")
    func keysAreScopedByAccountRegionAndCluster() {
        #expect(location.prefix == "slinky/111122223333/us-west-2/gpu-a/")
        #expect(location.terraformStateKey == "slinky/111122223333/us-west-2/gpu-a/terraform.tfstate")
        #expect(location.lockKey.hasSuffix("/gpu-a/run.lock"))
        #expect(location.url == "s3://team-state/slinky/111122223333/us-west-2/gpu-a/")
    }

    @Test("the backend override uses S3-native locking and encryption in the bucket's own region")
    func backendOverride() {
        let text = location.terraformBackendOverride
        #expect(text.contains(#"backend "s3""#))
        #expect(text.contains("use_lockfile = true"))
        #expect(text.contains("encrypt      = true"))
        #expect(text.contains(#"region       = "eu-west-1""#))
        #expect(!text.contains("use_path_style"), "real S3 uses virtual-hosted addressing")
        var emulator = location
        emulator.pathStyle = true
        #expect(emulator.terraformBackendOverride.contains("use_path_style = true"))
    }

    @Test("bucket names S3 would refuse are refused before any call")
    func bucketNames() {
        for good in ["team-state", "slinky-state-123456789012-us-west-2", "a.b.c"] {
            #expect(throws: Never.self) { try NameRules.validateBucketName(good) }
        }
        for bad in ["Team-State", "ab", "-state", "state-", "a..b", "192.168.1.1", "team_state", String(repeating: "a", count: 64)] {
            #expect(throws: SlinkyError.self, "\(bad)") { try NameRules.validateBucketName(bad) }
        }
    }

    @Test("the workspace copies the stack, leaves state files and overrides out, and survives a changed stack")
    func workspaceCopiesTheStack() throws {
        let root = NSTemporaryDirectory() + "slinky-ws-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stack = "\(root)/stack", workspace = "\(root)/ws"
        try FileManager.default.createDirectory(atPath: "\(stack)/modules/vpc", withIntermediateDirectories: true)
        try "resource {}".write(toFile: "\(stack)/main.tf", atomically: true, encoding: .utf8)
        try "module".write(toFile: "\(stack)/modules/vpc/main.tf", atomically: true, encoding: .utf8)
        try "{}".write(toFile: "\(stack)/terraform.tfstate", atomically: true, encoding: .utf8)
        try "x".write(toFile: "\(stack)/dev_override.tf", atomically: true, encoding: .utf8)

        try TerraformWorkspace.prepare(stackDirectory: stack, workspace: workspace, backendOverride: location.terraformBackendOverride)
        let entries = Set(try FileManager.default.contentsOfDirectory(atPath: workspace))
        #expect(entries == ["main.tf", "modules", "slinky_backend_override.tf"])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(workspace)/modules")) == nil, "a copy, not a link")

        // A file removed from the stack disappears from the workspace on the next run.
        try FileManager.default.removeItem(atPath: "\(stack)/modules")
        try "resource { changed }".write(toFile: "\(stack)/main.tf", atomically: true, encoding: .utf8)
        try TerraformWorkspace.prepare(stackDirectory: stack, workspace: workspace, backendOverride: location.terraformBackendOverride)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: workspace)) == ["main.tf", "slinky_backend_override.tf"])
        #expect(try String(contentsOfFile: "\(workspace)/main.tf", encoding: .utf8) == "resource { changed }")
    }

    @Test("a cluster whose state was pushed keeps using its bucket without --state-bucket; the flag still wins")
    func recordedBucketIsUsed() async throws {
        let project = NSTemporaryDirectory() + "slinky-marker-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: project) }
        try FileManager.default.createDirectory(atPath: "\(project)/terraform", withIntermediateDirectories: true)
        try "{}".write(toFile: "\(project)/terraform/stack.json", atomically: true, encoding: .utf8)
        let stateDirectory = "\(project)/.slinky/gpu-a"
        try AtomicFile.makeDirectory(stateDirectory, permissions: 0o700)
        try BackendMarker(bucket: "team-state", prefix: location.prefix, since: Date()).write(stateDirectory: stateDirectory)

        let resolver = SettingsResolver(environment: ["AWS_REGION": "us-west-2"], currentDirectory: project, executablePath: "/nonexistent")
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        var raw = SettingsResolver.Raw()
        raw.name = "gpu-a"
        let recorded = try await resolver.resolve(raw, command: "status", runner: runner)
        #expect(recorded.stateBucket == "team-state")
        #expect(recorded.stateBucketSource?.hasPrefix("recorded in") == true)

        raw.stateBucket = "other-bucket"
        let flagged = try await resolver.resolve(raw, command: "status", runner: runner)
        #expect(flagged.stateBucket == "other-bucket")

        raw.name = "gpu-b"
        raw.stateBucket = nil
        #expect(try await resolver.resolve(raw, command: "status", runner: runner).stateBucket == nil, "other clusters stay local")
    }

    @Test("list names a dead run as stopped, a held lock as running, a finished cleanup as removed")
    func listStates() {
        var journal = Journal(cluster: "gpu-a")
        journal.lastCommand = "install"
        journal.lastResult = "running"
        journal.install["terraform-apply"] = StepRecord(state: .running)
        #expect(ClusterSummary(journal: journal, location: "x", holder: nil).state == "install stopped")
        let holder = RemoteLockHolder(host: "ci", pid: 1, command: "slinky install", user: "ci", startedAt: Date(), heartbeatAt: Date())
        #expect(ClusterSummary(journal: journal, location: "x", holder: holder).state == "running (slinky install)")
        journal.lastCommand = "cleanup"
        journal.lastResult = "succeeded"
        journal.cleanup["destroy-all"] = StepRecord(state: .succeeded)
        #expect(ClusterSummary(journal: journal, location: "x", holder: nil).state == "removed")
    }

    @Test("state commands and --state-bucket parse; the bucket is shared by every cluster command")
    func parsing() throws {
        let push = try #require(try SlinkyCommand.parseAsRoot(["state", "push", "--name", "gpu-a", "--state-bucket", "team-state"]) as? StatePushCommand)
        #expect(push.cluster.raw.stateBucket == "team-state")
        #expect(try SlinkyCommand.parseAsRoot(["state", "init"]) is StateInit)
        let list = try #require(try SlinkyCommand.parseAsRoot(["list", "--state-bucket", "team-state", "--output", "json"]) as? List)
        #expect(list.cluster.raw.stateBucket == "team-state")
        let cleanup = try #require(try SlinkyCommand.parseAsRoot(["cleanup", "--state-bucket", "b-1"]) as? Cleanup)
        #expect(cleanup.cluster.raw.stateBucket == "b-1")
    }
}
