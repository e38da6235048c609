import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Receives a child's output, one line at a time, as it happens.
public protocol OutputLineSink: Sendable {
    func line(_ text: String, isError: Bool)
}

/// The one place slinky starts other programs.
///
/// Every child gets its own process group and a closed stdin (or a secret on it), both streams are drained
/// concurrently into the step's log, and a non-zero exit is returned, not thrown, so each caller decides
/// which failures are expected ("already exists") and which are not.
public struct ProcessRunner: Sendable {
    public let redactor: Redactor
    public let interrupts: InterruptController
    /// Applied to every child: how slinky points tools at an account, region, sandbox or mirror.
    public let baseEnvironment: [String: String?]

    public init(redactor: Redactor, interrupts: InterruptController, baseEnvironment: [String: String?] = [:]) {
        self.redactor = redactor
        self.interrupts = interrupts
        self.baseEnvironment = baseEnvironment
    }

    /// Runs `invocation` to the end. `captureOutput` keeps all of stdout (for JSON answers); otherwise only the tail.
    public func run(
        _ invocation: Invocation, sink: (any OutputLineSink)? = nil, captureOutput: Bool = true
    ) async throws -> ProcessResult {
        if let secret = invocation.standardInput { redactor.register(secret) }
        if let received = interrupts.receivedSignal { throw SlinkyError.interrupted(signal: received) }

        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in baseEnvironment.merging(invocation.environment, uniquingKeysWith: { $1 }) {
            if let envKey = Environment.Key(rawValue: key) { overrides[envKey] = value }
        }
        // Children must never stop to ask a question nobody can answer in CI.
        overrides[Environment.Key(rawValue: "AWS_PAGER")!] = ""
        overrides[Environment.Key(rawValue: "TF_IN_AUTOMATION")!] = "1"
        overrides[Environment.Key(rawValue: "TF_INPUT")!] = "0"

        var options = PlatformOptions()
        options.processGroupID = 0

        let collected = OutputCollector(keepAll: captureOutput)
        let redactor = self.redactor
        let interrupts = self.interrupts
        let executable: Executable = invocation.tool.contains("/") ? .path(FilePath(invocation.tool)) : .name(invocation.tool)
        let workingDirectory = invocation.workingDirectory.map { FilePath($0) }

        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(invocation.arguments),
                environment: .inherit.updating(overrides),
                workingDirectory: workingDirectory,
                platformOptions: options,
                // An empty string still closes stdin at once, so a child that would prompt sees EOF instead of hanging.
                input: .string(invocation.standardInput?.value ?? ""),
                output: .sequence,
                error: .sequence
            ) { execution in
                let group = execution.processIdentifier.value
                interrupts.childStarted(group: group)
                defer { interrupts.childExited(group: group) }
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for try await line in execution.standardOutput.strings(bufferingPolicy: .unbounded) {
                            let clean = redactor.redact(line)
                            collected.append(clean, isError: false)
                            sink?.line(clean, isError: false)
                        }
                    }
                    tasks.addTask {
                        for try await line in execution.standardError.strings(bufferingPolicy: .unbounded) {
                            let clean = redactor.redact(line)
                            collected.append(clean, isError: true)
                            sink?.line(clean, isError: true)
                        }
                    }
                    try await tasks.waitForAll()
                }
            }
            status = result.terminationStatus
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw SlinkyError.toolMissing(tool: invocation.tool, hint: ToolCatalog.installHint(for: invocation.tool))
        } catch let error as SubprocessError {
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: redactor.redact(invocation.commandLine),
                exitDescription: "could not be started (\(error))", stderrTail: [], logPath: nil))
        }

        var result = ProcessResult(
            exitCode: nil, signal: nil,
            standardOutput: collected.stdout, standardErrorTail: collected.stderrTail)
        switch status {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        }
        return result
    }
}

/// Collects what a child printed: all of stdout if asked, and the last lines of stderr for error messages.
final class OutputCollector: Sendable {
    private struct Buffers {
        var stdout: [String] = []
        var stderr: [String] = []
    }
    private let buffers = Mutex(Buffers())
    private let keepAll: Bool
    private static let tailLength = 40

    init(keepAll: Bool) { self.keepAll = keepAll }

    func append(_ line: String, isError: Bool) {
        buffers.withLock { b in
            if isError {
                b.stderr.append(line)
                if b.stderr.count > Self.tailLength * 2 { b.stderr.removeFirst(b.stderr.count - Self.tailLength) }
            } else {
                b.stdout.append(line)
                if !keepAll, b.stdout.count > Self.tailLength * 2 { b.stdout.removeFirst(b.stdout.count - Self.tailLength) }
            }
        }
    }

    var stdout: String { buffers.withLock { $0.stdout.joined(separator: "\n") } }
    var stderrTail: [String] { buffers.withLock { Array($0.stderr.suffix(Self.tailLength)) } }
}
