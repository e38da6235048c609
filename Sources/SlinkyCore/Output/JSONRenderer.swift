import Foundation
import Synchronization

/// One JSON object per line on stdout; the README documents the fields for CI authors.
public final class JSONRenderer: EventSink {
    private let lock = Mutex(())

    public init() {}

    private func write(_ object: [String: Any]) {
        var object = object
        object["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        lock.withLock { _ in
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }

    private func encodable<T: Encodable>(_ value: T) -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    public func emit(_ event: PipelineEvent) {
        switch event {
        case .runStarted(let h):
            write(["event": "run-started"].merging(encodable(h)) { a, _ in a })
        case .stepStarted(let id, let title):
            write(["event": "step-started", "step": id.rawValue, "title": title])
        case .stepOutput:
            break
        case .stepFinished(let r):
            var object = encodable(r)
            object["step"] = object.removeValue(forKey: "id")
            object["event"] = "step-finished"
            write(object)
        case .note(let s): write(["event": "note", "message": s])
        case .warning(let s): write(["event": "warning", "message": s])
        case .plan(let step, let title, let commands):
            write(["event": "plan", "step": step.rawValue, "title": title, "commands": commands])
        case .runFinished(let s):
            var object = encodable(s)
            object["event"] = "summary"
            // The same field names as the step-finished events, so CI scripts parse one shape.
            object["steps"] = (object["steps"] as? [[String: Any]])?.map { step in
                var step = step
                step["step"] = step.removeValue(forKey: "id")
                return step
            }
            write(object)
        }
    }
}
