import Foundation

/// A value that must never appear in argv, a log or the journal (registry passwords, tokens).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// One external command, as a value: what runs, with which arguments, environment and stdin.
///
/// Keeping invocations as data lets tests check the exact argv without starting a process, and lets
/// `--dry-run` print precisely what a real run would execute.
public struct Invocation: Sendable, Hashable {
    public var tool: String
    public var arguments: [String]
    /// Added to (or, with nil, removed from) the inherited environment.
    public var environment: [String: String?]
    public var workingDirectory: String?
    /// Fed on stdin and then closed; used for `--password-stdin` so secrets never reach argv.
    public var standardInput: Secret?

    public init(
        _ tool: String, _ arguments: [String], environment: [String: String?] = [:],
        workingDirectory: String? = nil, standardInput: Secret? = nil
    ) {
        self.tool = tool
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }

    /// The command as a shell user would type it; arguments are quoted only when they need it.
    public var commandLine: String {
        var words = [tool] + arguments.map(Self.shellQuoted)
        let env = environment.compactMap { key, value in value.map { "\(key)=\(Self.shellQuoted($0))" } }.sorted()
        words = env + words
        if standardInput != nil { words.append("< <secret on stdin>") }
        return words.joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:,@%+"))
        if word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// How a child ended, and what it said.
public struct ProcessResult: Sendable {
    public var exitCode: Int32?
    public var signal: Int32?
    /// Complete stdout when the invocation asked for it (JSON answers); otherwise its last lines.
    public var standardOutput: String
    public var standardErrorTail: [String]

    public var succeeded: Bool { exitCode == 0 }

    public var exitDescription: String {
        if let exitCode { return "exited with status \(exitCode)" }
        if let signal { return "was killed by signal \(signal)" }
        return "ended abnormally"
    }
}
