import Foundation
import Synchronization
import Testing
@testable import SlinkyCore

/// A private directory under the system temp directory; call `remove()` in a `defer`.
struct TempDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("slinky-unit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() {
        // Undo any chmod a test did so the tree can be removed.
        chmod(path, 0o700)
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// An ordered, thread-safe record of what the test steps were asked to do.
final class CallLog: Sendable {
    private let entries = Mutex<[String]>([])

    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
    /// Ids of the steps whose `run` was called, in call order.
    var runs: [String] { all.compactMap { $0.hasPrefix("run:") ? String($0.dropFirst(4)) : nil } }
    func count(_ entry: String) -> Int { all.filter { $0 == entry }.count }
}

/// A one-shot flag that tasks can wait for; waiting polls, with a deadline that only guards against deadlock.
final class Latch: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }
    var opened: Bool { isOpen.withLock { $0 } }

    /// True when the latch opened before `timeout` elapsed.
    func wait(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !opened {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

/// A mutable value shared between a test and the steps it builds.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

struct DeadlockGuardExpired: Error {}

/// Runs `operation`, failing (instead of hanging the whole test run) if it has not finished after `seconds`.
/// Only a guard against deadlock; it is never the assertion itself.
func withDeadlockGuard<T: Sendable>(
    seconds: Double = 300, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = Shared<Result<T, any Error>?>(nil)
    let work = Task {
        let result: Result<T, any Error>
        do { result = .success(try await operation()) } catch { result = .failure(error) }
        outcome.value = result
    }
    let deadline = ContinuousClock.now + .seconds(seconds)
    while outcome.value == nil {
        if ContinuousClock.now >= deadline {
            work.cancel()
            throw DeadlockGuardExpired()
        }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try outcome.value!.get()
}

/// Runs a program to completion through slinky's own runner and returns its exit status and output.
/// (Not Foundation's Process: in the parallel suite it may leave a child unreaped and block a thread.)
@discardableResult
func runTool(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
    let result = try await runner.run(Invocation(executable, arguments))
    return (result.exitCode ?? -1, result.standardOutput, result.standardErrorTail.joined(separator: "\n"))
}

/// Whether `needle` occurs in `haystack` as consecutive elements.
func containsRun<T: Equatable>(_ haystack: [T], _ needle: [T]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
        return true
    }
    return false
}

/// The package root (the folder holding Package.swift), found from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

extension ClusterSettings {
    /// An install of cluster gpu-a in us-west-2 with repository slurmd:v1, at paths nothing reads: for tests of
    /// decisions made from settings alone.
    static let installFixture = ClusterSettings(
        command: "install", cluster: "gpu-a", region: "us-west-2", regionSource: "test", profile: nil,
        projectDirectory: "/p", stateDirectory: "/s", blueprintPath: "/p/b.tfvars", dockerfilePath: "/p/Dockerfile",
        repositoryName: "slurmd", tag: "v1", sshKeyPath: "/k")
}
