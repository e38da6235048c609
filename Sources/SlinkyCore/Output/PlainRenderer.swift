import Foundation
import Synchronization

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
