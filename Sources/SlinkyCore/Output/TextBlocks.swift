import Foundation
import Synchronization

func formatDuration(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    if seconds < 60 { return String(format: "%.0fs", seconds) }
    return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}

func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

func writeStdout(_ text: String) {
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
