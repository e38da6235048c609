import Foundation

/// Exit codes are part of slinky's contract with scripts and CI; the README lists them.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// A step failed; the journal records where, and a re-run continues from there.
    case stepFailed = 1
    /// `slinky status`: the cluster is not (fully) installed.
    case notInstalled = 3
    /// Bad flags or values (argument parser's own usage errors use the same code).
    case usage = 64
    /// A user's input file is unusable: blueprint missing or invalid, key mismatch.
    case dataError = 65
    /// A tool or service slinky needs is missing or not running (aws, terraform, docker daemon).
    case unavailable = 69
    /// Another slinky run holds this cluster's lock.
    case locked = 75
    /// AWS credentials are missing, invalid or expired.
    case noCredentials = 77
    case interrupted = 130
    case terminated = 143
}

/// Everything that can go wrong, each case carrying what the user needs to act on it.
public enum SlinkyError: Error, Sendable, Equatable {
    case invalidInput(String, hint: String)
    case blueprint(path: String, problem: String, hint: String)
    case sshKey(path: String, problem: String, hint: String)
    case toolMissing(tool: String, hint: String)
    /// The tool is on PATH but its version command fails (a Python CLI whose libraries another package
    /// replaced, a truncated download): reinstalling elsewhere would not help, repairing it would.
    case toolFailing(tool: String, failure: CommandFailure)
    /// A command that needs an installed cluster (or something an install records) found none.
    case notInstalled(cluster: String, missing: String, hint: String)
    case serviceUnavailable(what: String, detail: String, hint: String)
    case credentials(detail: String, hint: String)
    case locked(cluster: String, holderPID: Int32, since: String, command: String)
    /// Another machine's (or directory's) run holds the cluster's lock in the state bucket.
    case lockedRemotely(cluster: String, holder: String, heartbeat: String, staleAfterMinutes: Int)
    case commandFailed(CommandFailure)
    case precondition(String, hint: String)
    case fileWrite(path: String, reason: String)
    case interrupted(signal: Int32)
    case stepFailed(step: String, underlying: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidInput: .usage
        case .blueprint, .sshKey: .dataError
        case .toolMissing, .toolFailing, .serviceUnavailable: .unavailable
        case .notInstalled: .notInstalled
        case .credentials: .noCredentials
        case .locked, .lockedRemotely: .locked
        case .interrupted(let signal): signal == 15 ? .terminated : .interrupted
        case .commandFailed, .precondition, .fileWrite, .stepFailed: .stepFailed
        }
    }

    /// One sentence naming what failed; `hint` says what to do next.
    public var message: String {
        switch self {
        case .invalidInput(let what, _): return what
        case .blueprint(let path, let problem, _): return "blueprint \(path): \(problem)"
        case .sshKey(let path, let problem, _): return "SSH key \(path): \(problem)"
        case .toolMissing(let tool, _): return "\(tool) is not installed or not on PATH"
        case .toolFailing(let tool, let failure): return "\(tool) is installed but failing: \(failure.summary)"
        case .notInstalled(let cluster, let missing, _): return "cluster \(cluster) \(missing)"
        case .serviceUnavailable(let what, let detail, _): return "\(what) is not available: \(detail)"
        case .credentials(let detail, _): return "AWS credentials are not usable: \(detail)"
        case .locked(let cluster, let pid, let since, let command):
            return "another slinky run (PID \(pid), `\(command)`, started \(since)) is working on cluster \(cluster)"
        case .lockedRemotely(let cluster, let holder, _, _):
            return "cluster \(cluster) is locked in the state bucket by \(holder)"
        case .commandFailed(let failure): return failure.summary
        case .precondition(let what, _): return what
        case .fileWrite(let path, let reason): return "could not write \(path): \(reason)"
        case .interrupted(let signal): return signal == 15 ? "terminated" : "interrupted"
        case .stepFailed(let step, let underlying): return "step \(step) failed: \(underlying)"
        }
    }

    public var hint: String? {
        switch self {
        case .invalidInput(_, let hint), .blueprint(_, _, let hint), .sshKey(_, _, let hint),
            .toolMissing(_, let hint), .serviceUnavailable(_, _, let hint), .credentials(_, let hint),
            .precondition(_, let hint), .notInstalled(_, _, let hint):
            return hint.isEmpty ? nil : hint
        case .toolFailing(_, let failure): return failure.hint
        case .locked(_, let pid, _, _):
            return "wait for it to finish, or stop it (kill -INT \(pid)) and run again"
        case .lockedRemotely(_, _, let heartbeat, let minutes):
            return "wait for that run to finish; if its machine is gone, the lock is taken over automatically once its last heartbeat (\(heartbeat)) is \(minutes) minutes old"
        case .commandFailed(let failure): return failure.hint
        case .fileWrite: return "check the directory's permissions and free space, then run again"
        case .interrupted, .stepFailed: return nil
        }
    }
}

extension SlinkyError: LocalizedError {
    public var errorDescription: String? {
        if let hint { return "\(message). \(hint)" }
        return message
    }
}

/// A child process that exited unsuccessfully, with enough context to act on without opening the log.
public struct CommandFailure: Sendable, Equatable {
    public var commandLine: String
    public var exitDescription: String
    public var stderrTail: [String]
    public var logPath: String?
    public var hint: String?

    public init(commandLine: String, exitDescription: String, stderrTail: [String], logPath: String?, hint: String? = nil) {
        self.commandLine = commandLine
        self.exitDescription = exitDescription
        self.stderrTail = stderrTail
        self.logPath = logPath
        self.hint = hint
    }

    public var summary: String {
        var text = "`\(commandLine)` \(exitDescription)"
        let tail = stderrTail.suffix(5).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !tail.isEmpty { text += ": " + tail.joined(separator: " | ") }
        if let logPath { text += " (full log: \(logPath))" }
        return text
    }
}
