import Foundation
import Synchronization

/// The full output of one step's commands, on disk, secrets already redacted by the runner.
public final class StepLog: OutputLineSink, Sendable {
    public let path: String
    public let stepID: StepID
    private let handle: Mutex<FileHandle?>
    private let events: (any EventSink)?

    public init(path: String, stepID: StepID, events: (any EventSink)?) {
        self.path = path
        self.stepID = stepID
        self.events = events
        // O_APPEND: terraform writes into the same file itself, and neither may overwrite the other.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        self.handle = Mutex(fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil)
    }

    /// A log that keeps nothing; used by read-only commands such as `status`.
    public static func discard(stepID: StepID) -> StepLog {
        StepLog(path: "/dev/null", stepID: stepID, events: nil)
    }

    public func line(_ text: String, isError: Bool) {
        write(text)
        events?.emit(.stepOutput(id: stepID, line: text))
    }

    /// Shows a line that is already in the file (a child wrote it there itself).
    public func display(_ text: String) {
        events?.emit(.stepOutput(id: stepID, line: text))
    }

    public func write(_ text: String) {
        handle.withLock { $0?.write(Data((text + "\n").utf8)) }
    }

    /// Marks where each command starts, so a log with several commands reads in order.
    public func command(_ commandLine: String) {
        write("$ \(commandLine)")
    }

    public func close() {
        handle.withLock { h in
            try? h?.close()
            h = nil
        }
    }
}
