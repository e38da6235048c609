import Foundation
import SlinkyCore
import Synchronization

/// Collects every event a pipeline emits; the unit and the integration tests share it.
public final class RecordingEventSink: EventSink {
    public init() {}

    private let recorded = Mutex<[PipelineEvent]>([])
    private let finished = Mutex(0)

    public func emit(_ event: PipelineEvent) { recorded.withLock { $0.append(event) } }
    public func finish() { finished.withLock { $0 += 1 } }

    public var events: [PipelineEvent] { recorded.withLock { $0 } }

    public var startedSteps: [StepID] {
        events.compactMap { if case .stepStarted(let id, _) = $0 { id } else { nil } }
    }

    public var finishedReports: [StepReport] {
        events.compactMap { if case .stepFinished(let report) = $0 { report } else { nil } }
    }

    public var notes: [String] {
        events.compactMap { if case .note(let text) = $0 { text } else { nil } }
    }
}

/// Test pipelines name their made-up steps with plain strings; slinky's own code cannot.
extension StepID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
