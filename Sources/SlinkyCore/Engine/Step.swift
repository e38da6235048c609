import Foundation
import Synchronization

/// What a read-only check of a recorded success found.
public enum Verification: Sendable, Equatable {
    case holds
    case drifted(String)
}

public struct StepResult: Sendable {
    public var outputs: [String: String]
    public var outcome: StepOutcome

    public init(outputs: [String: String] = [:], outcome: StepOutcome = .done) {
        self.outputs = outputs
        self.outcome = outcome
    }
}

/// One unit of work in a pipeline.
///
/// `run` must be idempotent on its own (describe before create, reuse what exists): the journal is an
/// optimisation that lets a re-run skip work, never the only thing standing between a re-run and a duplicate.
public protocol PipelineStep: Sendable {
    var id: StepID { get }
    var title: String { get }
    /// Steps whose outputs this one needs; steps with no path between them run at the same time.
    var dependencies: [StepID] { get }
    /// Preflight-like steps run every time and are never skipped because of the journal.
    var alwaysRuns: Bool { get }
    /// A hash of every input that, when it changes, means this step's result is out of date.
    func fingerprint(_ context: StepContext) async throws -> String
    /// The step's run writes some of its own inputs (terraform init writes its lock file): its fingerprint is
    /// taken again after a successful run, so the record matches the inputs as the run left them.
    var runRewritesInputs: Bool { get }
    /// A cheap, read-only confirmation that a recorded success still holds in the real world.
    func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification
    func run(_ context: StepContext) async throws -> StepResult
    /// The exact commands a real run would execute, for `--dry-run`.
    func plannedCommands(_ context: StepContext) -> [String]
}

extension PipelineStep {
    public var alwaysRuns: Bool { false }
    public var runRewritesInputs: Bool { false }
    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification { .holds }
    public func plannedCommands(_ context: StepContext) -> [String] { [] }
}

/// Outputs of the steps that have finished (or were confirmed) in this run, readable by later steps.
public final class OutputsBoard: Sendable {
    private let values = Mutex<[StepID: [String: String]]>([:])

    public init(_ initial: [StepID: [String: String]] = [:]) {
        values.withLock { $0 = initial }
    }

    public func set(_ step: StepID, _ outputs: [String: String]) {
        values.withLock { $0[step] = outputs }
    }

    public func get(_ step: StepID, _ key: String) -> String? {
        values.withLock { $0[step]?[key] }
    }

    /// Everything `step` produced in this run (empty when it produced nothing).
    public func outputs(of step: StepID) -> [String: String] { values.withLock { $0[step] ?? [:] } }
}

/// What a step sees of the engine while it works.
public struct StepContext: Sendable {
    public let stepID: StepID
    public let log: StepLog
    public let board: OutputsBoard
    public let events: any EventSink
    /// `--reconcile`: check everything against the real world and repair drift.
    public let reconcile: Bool

    public init(stepID: StepID, log: StepLog, board: OutputsBoard, events: any EventSink, reconcile: Bool) {
        self.stepID = stepID
        self.log = log
        self.board = board
        self.events = events
        self.reconcile = reconcile
    }

    public func output(_ step: StepID, _ key: String) -> String? { board.get(step, key) }

    /// An output a dependency promised; its absence is a bug in the pipeline, reported as such.
    public func require(_ step: StepID, _ key: String) throws -> String {
        guard let value = board.get(step, key) else {
            throw SlinkyError.precondition(
                "step \(stepID) needs `\(key)` from step \(step), which has not produced it",
                hint: "run with --reconcile to re-check every step")
        }
        return value
    }

    public func note(_ text: String) {
        log.write("note: \(text)")
        events.emit(.note(text))
    }

    public func warn(_ text: String) {
        log.write("warning: \(text)")
        events.emit(.warning(text))
    }
}

/// Fingerprints are SHA-256 over labelled parts, so reordering or renaming an input changes the hash.
public struct Fingerprint {
    private var parts: [String] = []

    public init() {}

    public mutating func add(_ label: String, _ value: String?) {
        parts.append("\(label)=\(value ?? "<nil>")")
    }

    public mutating func add(_ label: String, data: Data) {
        parts.append("\(label)=sha256:\(SHA256Hex.hash(data))")
    }

    public var value: String { SHA256Hex.hash(Data(parts.joined(separator: "\n").utf8)) }
}
