import Foundation
import Testing

/// The built `slinky` and the sandbox `scripts/test` started; integration tests need both.
enum Sandbox {
    static let environment = ProcessInfo.processInfo.environment
    static var binary: String? { environment["SLINKY_BINARY"] }
    static var isAvailable: Bool { binary != nil && environment["SLINKY_SANDBOX_DIR"] != nil && environment["AWS_ENDPOINT_URL"] != nil }

    static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func uniqueSuffix() -> String {
        String(UUID().uuidString.lowercased().prefix(6))
    }
}

/// What one run of the binary did.
struct RunResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String

    /// `--output json`: every object printed, in order.
    var events: [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// step id → outcome, from `step-finished` events and, for steps that never started, the summary.
    var outcomes: [String: String] {
        var result: [String: String] = [:]
        for step in summary?["steps"] as? [[String: Any]] ?? [] {
            if let id = step["step"] as? String, let outcome = step["outcome"] as? String { result[id] = outcome }
        }
        for event in events where event["event"] as? String == "step-finished" {
            if let step = event["step"] as? String, let outcome = event["outcome"] as? String { result[step] = outcome }
        }
        return result
    }

    func outputs(of step: String) -> [String: String] {
        for event in events where event["event"] as? String == "step-finished" && event["step"] as? String == step {
            return event["outputs"] as? [String: String] ?? [:]
        }
        return [:]
    }

    var summary: [String: Any]? { events.last { $0["event"] as? String == "summary" } }
    var errorMessage: String { (summary?["error"] as? String) ?? stderr }
    var hint: String { (summary?["hint"] as? String) ?? "" }

    var diagnostics: Comment { Comment(rawValue: "exit \(exitCode)\nstdout:\n\(stdout.suffix(3000))\nstderr:\n\(stderr.suffix(3000))") }
}

/// A scratch workspace for one test: its own blueprint copy, key path and state folder.
struct Workspace {
    let root: String
    let cluster: String

    init(prefix: String) throws {
        root = NSTemporaryDirectory() + "slinky-it-\(prefix)-\(Sandbox.uniqueSuffix())"
        cluster = "\(prefix)-\(Sandbox.uniqueSuffix())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Sandbox.projectRoot)/blueprints/sandbox.tfvars", toPath: blueprint)
    }

    var blueprint: String { "\(root)/blueprint.tfvars" }
    var sshKey: String { "\(root)/id_ed25519_slurm" }
    var stateBase: String { "\(root)/state" }
    var stateDirectory: String { "\(stateBase)/\(cluster)" }
    var journalPath: String { "\(stateDirectory)/journal.json" }
    var sandboxDockerfile: String { "\(Sandbox.projectRoot)/dockerfiles/sandbox-slurmd.Dockerfile" }

    /// The options every command of this workspace's cluster takes.
    var clusterArguments: [String] {
        ["--name", cluster, "--blueprint", blueprint, "--state-dir", stateBase, "--output", "json"]
    }

    func installArguments(repository: String, tag: String = "v1") -> [String] {
        ["install"] + clusterArguments + [
            "--yes", "--dockerfile", sandboxDockerfile, "--ssh-key", sshKey, "--repo-name", repository, "--tag", tag,
        ]
    }

    func journal() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: journalPath))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func stepState(_ phase: String, _ step: String) -> String? {
        guard let journal = try? journal(), let steps = journal[phase] as? [String: Any],
            let record = steps[step] as? [String: Any]
        else { return nil }
        return record["state"] as? String
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Starts processes for tests; each ends by itself or is stopped by its PID.
enum Runner {
    static func start(
        _ executable: String, _ arguments: [String], environment overrides: [String: String?] = [:],
        currentDirectory: String? = nil
    ) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = Sandbox.environment
        for (key, value) in overrides { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Reads both pipes concurrently (a child blocked on a full pipe would never exit) and waits.
    static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) async -> RunResult {
        async let stdout = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
        async let stderr = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
        let (o, e) = await (stdout, stderr)
        process.waitUntilExit()
        return RunResult(
            exitCode: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:], currentDirectory: String? = nil
    ) async throws -> RunResult {
        let (process, out, err) = try start(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        return await finish(process, out, err)
    }

    static func slinky(_ arguments: [String], environment: [String: String?] = [:]) async throws -> RunResult {
        try await run(try #require(Sandbox.binary), arguments, environment: environment, currentDirectory: Sandbox.projectRoot)
    }

    /// `aws ... --output json` against the sandbox, parsed.
    static func aws(_ arguments: [String]) async throws -> (Int32, [String: Any]) {
        let result = try await run("/usr/bin/env", ["aws"] + arguments + ["--output", "json"])
        let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        return (result.exitCode, object)
    }
}

/// Polls until `condition` holds; the deadline only guards against a hang, it is not a speed assertion.
func waitUntil(timeout: Double = 300, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

func fileBytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
