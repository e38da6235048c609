import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a run ended, before its summary is printed.
public struct RunEnding: Sendable {
    public var error: SlinkyError?
    /// The step a re-run continues from, named in the hint.
    public var failedStep: StepID?
    /// Closing lines for a person.
    public var next: [String]

    public init(error: SlinkyError? = nil, failedStep: StepID? = nil, next: [String] = []) {
        self.error = error
        self.failedStep = failedStep
        self.next = next
    }

    public static func succeeded(next: [String]) -> RunEnding { RunEnding(next: next) }

    /// An error that is not a SlinkyError is a bug; it is still reported as the failure of `during`.
    public static func failed(_ error: any Error, during: String) -> RunEnding {
        RunEnding(error: error as? SlinkyError ?? .stepFailed(step: during, underlying: "\(error)"))
    }

    public var interrupted: Bool {
        if case .interrupted? = error { return true }
        return false
    }
}

/// The outline every command that runs steps shares: stages of steps, a header, one summary, one exit status.
///
/// Sessions say what runs and how a stopped run is resumed; the driver keeps every stage's reports for the
/// summary, ends the run at the first interruption or failure, and makes the summary the last event.
public final class RunDriver: Sendable {
    public let command: String
    public let cluster: String
    public let events: any EventSink
    public let interrupts: InterruptController
    public let started = Date()
    private let reports = Mutex<[StepReport]>([])

    public init(command: String, cluster: String, events: any EventSink, interrupts: InterruptController) {
        self.command = command
        self.cluster = cluster
        self.events = events
        self.interrupts = interrupts
    }

    /// Runs one stage. The ending is nil when every step counted and the run goes on. `resumable`: a stop names
    /// the step a re-run continues from (pointless for steps that run every time anyway).
    public func stage(
        _ pipeline: Pipeline, journal: JournalStore, logDirectory: String, reconcile: Bool, board: OutputsBoard,
        resumable: Bool, verifiedAhead: [StepID: Pipeline.EarlyVerification] = [:]
    ) async -> (outcome: Pipeline.Outcome, ending: RunEnding?) {
        let outcome = await pipeline.run(
            journal: journal, events: events, logDirectory: logDirectory, reconcile: reconcile, interrupts: interrupts,
            board: board, verifiedAhead: verifiedAhead)
        reports.withLock { $0 += outcome.reports }
        if outcome.interrupted || interrupts.receivedSignal != nil {
            let stopped = outcome.reports.first { $0.outcome == .interrupted || $0.outcome == .notStarted }?.id
            let error = SlinkyError.interrupted(signal: interrupts.receivedSignal ?? SIGINT)
            return (outcome, RunEnding(error: error, failedStep: resumable ? stopped : nil))
        }
        if let failure = outcome.failure {
            return (outcome, RunEnding(error: failure.error, failedStep: resumable ? failure.step : nil))
        }
        return (outcome, nil)
    }

    /// Emits the summary and returns the exit status. `hint` words how to go on after an error, given the title
    /// of the step the run stopped in (nil when no step is to blame).
    public func finish(_ ending: RunEnding, hint: (SlinkyError, _ stoppedIn: String?) -> String?) -> Int32 {
        let status = ending.error?.exitStatus ?? .success
        let stoppedIn = ending.failedStep.map { step in reports.withLock { $0 }.first { $0.id == step }?.title ?? step.rawValue }
        var result = "succeeded"
        if ending.error != nil { result = ending.interrupted ? "interrupted" : "failed" }
        events.emit(.runFinished(RunSummary(
            command: command, cluster: cluster, result: result, exitCode: status.rawValue,
            durationSeconds: Date().timeIntervalSince(started), steps: reports.withLock { $0 },
            error: ending.error.map { $0.message }, hint: ending.error.flatMap { hint($0, stoppedIn) }, next: ending.next)))
        events.finish()
        return status.rawValue
    }

    /// Names a run's log folder: `<stamp>-<command>`.
    public static let stamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}
