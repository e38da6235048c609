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

    /// Names the fix for a program that is not installed (the tools layer knows each one's).
    public let installHint: @Sendable (String) -> String

    public init(
        redactor: Redactor, interrupts: InterruptController, baseEnvironment: [String: String?] = [:],
        installHint: @escaping @Sendable (String) -> String = ProcessRunner.genericInstallHint
    ) {
        self.redactor = redactor
        self.interrupts = interrupts
        self.baseEnvironment = baseEnvironment
        self.installHint = installHint
    }

    public static let genericInstallHint: @Sendable (String) -> String = { "install \($0) and make sure it is on PATH" }

    /// The same runner for calls that must finish even after Ctrl-C: short bookkeeping (saving the journal
    /// to the bucket, releasing its lock) that turns a stop into a clean one rather than one to clear up.
    public var ignoringInterrupts: ProcessRunner {
        ProcessRunner(
            redactor: redactor, interrupts: InterruptController(onNotice: { _ in }), baseEnvironment: baseEnvironment,
            installHint: installHint)
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

    /// Each child leads its own process group, so a terminal's Ctrl-C reaches only slinky, which then
    /// forwards exactly one SIGINT.
    static var childPlatformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        return options
    }

    /// How a child is started, whatever happens to its output: what runs, where, with which environment.
    struct Launch {
        let executable: Executable
        let arguments: Arguments
        let environment: Environment
        let workingDirectory: FilePath?
        let platformOptions: PlatformOptions
    }

    /// The one spawn path: refuses to start after Ctrl-C, starts the child as `launch` describes, tells the
    /// interrupt controller about its process group while it runs, and maps a failure to start into
    /// SlinkyError. `start` only chooses where stdin, stdout and stderr go.
    func spawn(
        _ invocation: Invocation,
        _ start: (Launch, _ tracking: @escaping @Sendable (ProcessIdentifier) -> Void, _ untracking: @escaping @Sendable (ProcessIdentifier) -> Void) async throws -> TerminationStatus
    ) async throws -> TerminationStatus {
        if let received = interrupts.receivedSignal { throw SlinkyError.interrupted(signal: received) }
        // A path runs that file; a bare name is looked up on PATH.
        let executable: Executable = invocation.tool.contains("/") ? .path(FilePath(invocation.tool)) : .name(invocation.tool)
        let launch = Launch(
            executable: executable, arguments: Arguments(invocation.arguments),
            environment: .inherit.updating(childEnvironment(invocation)),
            workingDirectory: invocation.workingDirectory.map { FilePath($0) }, platformOptions: Self.childPlatformOptions)
        let interrupts = self.interrupts
        do {
            return try await start(
                launch, { interrupts.childStarted(group: $0.value) }, { interrupts.childExited(group: $0.value) })
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw SlinkyError.toolMissing(tool: invocation.tool, hint: installHint(invocation.tool))
        } catch let error as SubprocessError {
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: redactor.redact(invocation.commandLine),
                exitDescription: "could not be started (\(error))", stderrTail: [], logPath: nil))
        }
    }

    /// Runs `invocation` to the end. `captureOutput` keeps all of stdout (for JSON answers); otherwise only the tail.
    public func run(
        _ invocation: Invocation, sink: (any OutputLineSink)? = nil, captureOutput: Bool = true
    ) async throws -> ProcessResult {
        if let secret = invocation.standardInput { redactor.register(secret) }
        let collected = OutputCollector(keepAll: captureOutput)
        let redactor = self.redactor
        let status = try await spawn(invocation) { launch, tracking, untracking in
            try await Subprocess.run(
                launch.executable, arguments: launch.arguments, environment: launch.environment,
                workingDirectory: launch.workingDirectory, platformOptions: launch.platformOptions,
                // An empty string still closes stdin at once, so a child that would prompt sees EOF instead of hanging.
                input: .string(invocation.standardInput?.value ?? ""),
                output: .sequence,
                error: .sequence
            ) { execution in
                tracking(execution.processIdentifier)
                defer { untracking(execution.processIdentifier) }
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
            }.terminationStatus
        }
        return ProcessResult(status, standardOutput: collected.stdout, standardErrorTail: collected.stderrTail)
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
        let status = try await spawn(invocation) { launch, tracking, untracking in
            try await Subprocess.run(
                launch.executable, arguments: launch.arguments, environment: launch.environment,
                workingDirectory: launch.workingDirectory, platformOptions: launch.platformOptions,
                input: .none,
                output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                error: .fileDescriptor(err, closeAfterSpawningProcess: true)
            ) { execution in
                tracking(execution.processIdentifier)
                defer { untracking(execution.processIdentifier) }
                await follower.follow { Self.hasExited(execution.processIdentifier) }
            }.terminationStatus
        }
        let tail = follower.drain()
        return ProcessResult(status, standardOutput: tail.joined(separator: "\n"), standardErrorTail: tail)
    }
}

extension ProcessResult {
    init(_ status: TerminationStatus, standardOutput: String, standardErrorTail: [String]) {
        self.init(exitCode: nil, signal: nil, standardOutput: standardOutput, standardErrorTail: standardErrorTail)
        switch status {
        case .exited(let code): exitCode = code
        case .signaled(let signal): self.signal = signal
        }
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
