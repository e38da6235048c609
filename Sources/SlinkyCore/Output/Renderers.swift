import Foundation
import Synchronization

public enum OutputFormat: String, Sendable, CaseIterable {
    case text, json
}

/// Terminal styling, decided once: only on a TTY and only when NO_COLOR is unset.
public struct Style: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let dumb = environment["TERM"] == "dumb"
        return Style(enabled: isatty(STDERR_FILENO) == 1 && !noColor && !dumb)
    }

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func green(_ t: String) -> String { wrap("32", t) }
    public func red(_ t: String) -> String { wrap("31", t) }
    public func yellow(_ t: String) -> String { wrap("33", t) }
    public func dim(_ t: String) -> String { wrap("2", t) }
    public func bold(_ t: String) -> String { wrap("1", t) }
}

func formatDuration(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    if seconds < 60 { return String(format: "%.0fs", seconds) }
    return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}

private func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

private func writeStdout(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Shared text for both text renderers: the header before anything changes and the closing summary.
enum TextBlocks {
    static func header(_ h: RunHeader, style: Style) -> String {
        var lines = [
            style.bold("slinky \(h.command)") + (h.dryRun ? " (dry run: nothing will change)" : ""),
            "  cluster  \(h.cluster)",
            "  account  \(h.account ?? "unknown")",
            "  region   \(h.region) (\(h.regionSource))",
            "  profile  \(h.profile ?? "default credentials")",
            "  state    \(h.stateDirectory)",
        ]
        lines.append("")
        return lines.joined(separator: "\n") + "\n"
    }

    static func summary(_ s: RunSummary, style: Style) -> String {
        var lines: [String] = []
        let total = formatDuration(s.durationSeconds)
        switch s.result {
        case "succeeded": lines.append(style.green("✔ \(s.command) finished for \(s.cluster) in \(total)"))
        case "interrupted": lines.append(style.yellow("■ \(s.command) interrupted after \(total)"))
        default: lines.append(style.red("✘ \(s.command) failed after \(total)"))
        }
        if let error = s.error { lines.append("error: \(error)") }
        if let hint = s.hint { lines.append("next: \(hint)") }
        if !s.next.isEmpty {
            lines.append("")
            lines.append(contentsOf: s.next)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func stepLine(_ r: StepReport, style: Style) -> String {
        let mark: String
        switch r.outcome {
        case .done: mark = style.green("✔")
        case .upToDate: mark = style.green("=")
        case .skipped: mark = style.dim("-")
        case .failed: mark = style.red("✘")
        case .interrupted: mark = style.yellow("■")
        case .notStarted: mark = style.dim("·")
        }
        var line = "\(mark) \(r.title) \(style.dim("[\(r.outcome.rawValue), \(formatDuration(r.durationSeconds))]"))"
        // The summary repeats the whole message; here a glance is enough.
        if let error = r.error, r.outcome == .failed {
            line += "\n    " + (error.count > 160 ? String(error.prefix(157)) + "..." : error)
        }
        return line
    }
}

/// Plain lines on stderr, one per event, for logs and CI without a TTY.
public final class PlainRenderer: EventSink {
    private let style: Style
    private let lock = Mutex(())

    public init(style: Style) { self.style = style }

    public func emit(_ event: PipelineEvent) {
        let text: String?
        switch event {
        case .runStarted(let h): text = TextBlocks.header(h, style: style)
        case .stepStarted(_, let title): text = "→ \(title)\n"
        case .stepOutput: text = nil
        case .stepFinished(let r): text = r.outcome == .notStarted ? nil : TextBlocks.stepLine(r, style: style) + "\n"
        case .note(let s): text = "  note: \(s)\n"
        case .warning(let s): text = style.yellow("  warning: \(s)") + "\n"
        case .plan(let step, let title, let commands):
            text = "• \(title) (\(step))\n" + commands.map { "    $ \($0)\n" }.joined()
        case .runFinished(let s):
            lock.withLock { _ in writeStdout("\n" + TextBlocks.summary(s, style: style)) }
            text = nil
        }
        if let text { lock.withLock { _ in writeStderr(text) } }
    }
}

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

/// A live step list on a terminal: running steps show their elapsed time and latest output line.
public final class LiveRenderer: EventSink {
    private struct Running {
        var title: String
        var started: Date
        var lastLine: String
    }
    private struct State {
        var running: [(id: StepID, step: Running)] = []
        var drawnLines = 0
        var ticker: Task<Void, Never>?
    }
    private let style: Style
    private let state = Mutex(State())
    private let width: Int

    public init(style: Style) {
        self.style = style
        var size = winsize()
        width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 20 ? Int(size.ws_col) : 100
    }

    private func clearLive(_ s: inout State) -> String {
        guard s.drawnLines > 0 else { return "" }
        let text = String(repeating: "\u{1B}[1A\u{1B}[2K", count: s.drawnLines)
        s.drawnLines = 0
        return "\r" + text
    }

    private func drawLive(_ s: inout State) -> String {
        var out = ""
        for (_, r) in s.running {
            let elapsed = formatDuration(Date().timeIntervalSince(r.started))
            var line = "\(style.yellow("…")) \(r.title) \(style.dim(elapsed))"
            if !r.lastLine.isEmpty {
                let room = max(10, width - r.title.count - elapsed.count - 8)
                line += "  " + style.dim(String(r.lastLine.prefix(room)))
            }
            out += line + "\n"
        }
        s.drawnLines = s.running.count
        return out
    }

    private func redraw(printing permanent: String = "") {
        let text = state.withLock { s -> String in
            clearLive(&s) + permanent + drawLive(&s)
        }
        writeStderr(text)
    }

    private func startTicker() {
        state.withLock { s in
            guard s.ticker == nil else { return }
            s.ticker = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    self?.redraw()
                }
            }
        }
    }

    public func emit(_ event: PipelineEvent) {
        switch event {
        case .runStarted(let h):
            redraw(printing: TextBlocks.header(h, style: style))
            startTicker()
        case .stepStarted(let id, let title):
            state.withLock { $0.running.append((id, Running(title: title, started: Date(), lastLine: ""))) }
            redraw()
        case .stepOutput(let id, let line):
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return }
            state.withLock { s in
                if let index = s.running.firstIndex(where: { $0.id == id }) { s.running[index].step.lastLine = trimmed }
            }
        case .stepFinished(let r):
            state.withLock { s in s.running.removeAll { $0.id == r.id } }
            if r.outcome != .notStarted { redraw(printing: TextBlocks.stepLine(r, style: style) + "\n") }
        case .note(let s): redraw(printing: "  note: \(s)\n")
        case .warning(let s): redraw(printing: style.yellow("  warning: \(s)") + "\n")
        case .plan(let step, let title, let commands):
            redraw(printing: "• \(title) (\(step))\n" + commands.map { "    $ \($0)\n" }.joined())
        case .runFinished(let s):
            finish()
            writeStdout("\n" + TextBlocks.summary(s, style: style))
        }
    }

    public func finish() {
        let text = state.withLock { s -> String in
            s.ticker?.cancel()
            s.ticker = nil
            s.running.removeAll()
            return clearLive(&s)
        }
        writeStderr(text)
    }
}
