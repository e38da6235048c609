import Foundation
import Synchronization

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
