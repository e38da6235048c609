import Foundation
import Synchronization

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
