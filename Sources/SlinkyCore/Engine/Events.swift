import Foundation

/// How a step ended in this run.
public enum StepOutcome: String, Codable, Sendable {
    /// It ran and succeeded.
    case done
    /// The journal said done and a read-only check confirmed it; nothing was changed.
    case upToDate = "up-to-date"
    case failed
    case interrupted
    /// An earlier failure or interruption stopped the run before this step could start.
    case notStarted = "not-started"
    /// Turned off by a flag (--skip-build and friends) after its precondition was checked.
    case skipped
}

public struct RunHeader: Sendable, Codable {
    public var command: String
    public var cluster: String
    public var region: String
    public var regionSource: String
    public var account: String?
    public var profile: String?
    public var stateDirectory: String
    public var dryRun: Bool
}

public struct StepReport: Sendable, Codable {
    public var id: StepID
    public var title: String
    public var outcome: StepOutcome
    public var durationSeconds: Double
    public var outputs: [String: String]
    public var error: String?
    public var logPath: String?
}

public struct RunSummary: Sendable, Codable {
    public var command: String
    public var cluster: String
    public var result: String
    public var exitCode: Int32
    public var durationSeconds: Double
    public var steps: [StepReport]
    public var error: String?
    public var hint: String?
    public var next: [String]
}

public enum PipelineEvent: Sendable {
    case runStarted(RunHeader)
    case stepStarted(id: StepID, title: String)
    case stepOutput(id: StepID, line: String)
    case stepFinished(StepReport)
    case note(String)
    case warning(String)
    case plan(step: StepID, title: String, commands: [String])
    case runFinished(RunSummary)
}

/// Where progress goes: a live terminal view, plain lines, or JSON lines.
public protocol EventSink: Sendable {
    func emit(_ event: PipelineEvent)
    /// Called once at the end so a live view can leave the terminal clean.
    func finish()
}

extension EventSink {
    public func finish() {}
}
