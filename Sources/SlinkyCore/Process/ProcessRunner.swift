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

    /// The same runner for calls that must finish even after Ctrl-C: short bookkeeping (saving the journal
    /// to the bucket, releasing its lock) that turns a stop into a clean one rather than one to clear up.
    public var ignoringInterrupts: ProcessRunner {
        ProcessRunner(redactor: redactor, interrupts: InterruptController(onNotice: { _ in }), baseEnvironment: baseEnvironment)
    }

    /// The inherited environment plus slinky's settings and the invocation's own.
    func childEnvironment(_ invocation: Invocation) -> [Environment.Key: String?] {
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in baseEnvironment.merging(invocation.environment, uniquingKeysWith: { $1 }) {
            if let envKey = Environment.Key(rawValue: key) { overrides[envKey] = value }
        }
        // Children must never stop to ask a question nobody can answer in CI.
        overrides[Environment.Key(rawValue: "AWS_PAGER")!] = ""
        overrides[Environment.Key(rawValue: "TF_IN_AUTOMATION")!] = "1"
        overrides[Environment.Key(rawValue: "TF_INPUT")!] = "0"
        return overrides
    }

    /// A path runs that file; a bare name is looked up on PATH.
    static func executable(_ invocation: Invocation) -> Executable {
        invocation.tool.contains("/") ? .path(FilePath(invocation.tool)) : .name(invocation.tool)
    }

    /// Each child leads its own process group, so a terminal's Ctrl-C reaches only slinky, which then
    /// forwards exactly one SIGINT.
    static var childPlatformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        return options
    }

    /// Runs `invocation` to the end. `captureOutput` keeps all of stdout (for JSON answers); otherwise only the tail.
    public func run(
        _ invocation: Invocation, sink: (any OutputLineSink)? = nil, captureOutput: Bool = true
    ) async throws -> ProcessResult {
        if let secret = invocation.standardInput { redactor.register(secret) }
        if let received = interrupts.receivedSignal { throw SlinkyError.interrupted(signal: received) }

        let overrides = childEnvironment(invocation)
        let options = Self.childPlatformOptions

        let collected = OutputCollector(keepAll: captureOutput)
        let redactor = self.redactor
        let interrupts = self.interrupts
        let executable = Self.executable(invocation)
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

extension ProcessRunner {
    /// Runs a long command (terraform apply, destroy) with its output going straight into `logPath`.
    ///
    /// A pipe dies with slinky: after a `kill -9`, terraform's next line of output would kill it with
    /// SIGPIPE, possibly between creating a resource and saving it to the state. A file outlives slinky,
    /// so an orphaned terraform finishes its work and releases its lock, and the next run picks up from
    /// there. slinky follows the file for live progress and reads its tail for error messages.
    /// Nothing secret may be passed to such a command: its output is not redacted.
    public func runWritingTo(
        _ invocation: Invocation, logPath: String, onLine: @escaping @Sendable (String) -> Void
    ) async throws -> ProcessResult {
        if let received = interrupts.receivedSignal { throw SlinkyError.interrupted(signal: received) }
        precondition(invocation.standardInput == nil, "secrets never go to a command whose output is not redacted")

        let overrides = childEnvironment(invocation)
        let options = Self.childPlatformOptions

        let startOffset = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? NSNumber)?.uint64Value ?? 0
        let out: FileDescriptor
        let err: FileDescriptor
        do {
            out = try FileDescriptor.open(
                FilePath(logPath), .writeOnly, options: [.append, .create, .closeOnExec], permissions: [.ownerReadWrite])
            err = try FileDescriptor.open(
                FilePath(logPath), .writeOnly, options: [.append, .create, .closeOnExec], permissions: [.ownerReadWrite])
        } catch {
            throw SlinkyError.fileWrite(path: logPath, reason: "\(error)")
        }
        let follower = LogFollower(path: logPath, offset: startOffset, onLine: onLine)
        let interrupts = self.interrupts
        let executable = Self.executable(invocation)
        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(invocation.arguments),
                environment: .inherit.updating(overrides),
                workingDirectory: invocation.workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: .none,
                output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                error: .fileDescriptor(err, closeAfterSpawningProcess: true)
            ) { execution in
                let group = execution.processIdentifier.value
                interrupts.childStarted(group: group)
                defer { interrupts.childExited(group: group) }
                await follower.follow { Self.hasExited(execution.processIdentifier) }
            }
            status = result.terminationStatus
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw SlinkyError.toolMissing(tool: invocation.tool, hint: ToolCatalog.installHint(for: invocation.tool))
        }
        let tail = follower.drain()
        var result = ProcessResult(exitCode: nil, signal: nil, standardOutput: tail.joined(separator: "\n"), standardErrorTail: tail)
        switch status {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        }
        return result
    }
}

extension ProcessRunner {
    /// Whether the child has exited, without reaping it (the subprocess library does that).
    static func hasExited(_ process: ProcessIdentifier) -> Bool {
        #if os(Linux)
        if process.processDescriptor >= 0 {
            var entry = pollfd(fd: process.processDescriptor, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, 0) > 0
        }
        #endif
        // Without a pidfd: a zombie still answers kill(0), so look at its state instead.
        guard let stat = try? String(contentsOfFile: "/proc/\(process.value)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}

/// Reads lines appended to a file by a child, from where the child started writing.
final class LogFollower: Sendable {
    private struct State {
        var offset: UInt64
        var partial = Data()
        var tail: [String] = []
    }
    private let path: String
    private let state: Mutex<State>
    private let onLine: @Sendable (String) -> Void

    init(path: String, offset: UInt64, onLine: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.state = Mutex(State(offset: offset))
        self.onLine = onLine
    }

    /// Reads new lines every quarter second until `exited` says the child is gone.
    func follow(_ exited: () -> Bool) async {
        while !Task.isCancelled {
            readNew()
            if exited() { return }
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
        }
    }

    func drain() -> [String] {
        readNew(flushPartial: true)
        return state.withLock { $0.tail }
    }

    private func readNew(flushPartial: Bool = false) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let lines: [String] = state.withLock { s in
            try? handle.seek(toOffset: s.offset)
            let data = (try? handle.readToEnd()) ?? Data()
            s.offset += UInt64(data.count)
            s.partial.append(data)
            var complete: [String] = []
            while let newline = s.partial.firstIndex(of: 0x0A) {
                complete.append(String(decoding: s.partial[s.partial.startIndex..<newline], as: UTF8.self))
                s.partial.removeSubrange(s.partial.startIndex...newline)
            }
            if flushPartial && !s.partial.isEmpty {
                complete.append(String(decoding: s.partial, as: UTF8.self))
                s.partial.removeAll()
            }
            s.tail.append(contentsOf: complete)
            if s.tail.count > 80 { s.tail.removeFirst(s.tail.count - 40) }
            return complete
        }
        for line in lines { onLine(line) }
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
