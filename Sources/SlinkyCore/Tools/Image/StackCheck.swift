import Foundation

/// What `slurmd-stack-check` (dockerfiles/slurmd-stack-check) said inside an image.
public struct StackCheckReport: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok, fail = "FAIL", skip
    }

    public struct Line: Sendable, Equatable {
        public var status: Status
        /// The check's name: cuda, nccl, efa-libs, efa-installer, ofi-nccl, efa-device, mpi, python, torch, libs.
        public var name: String
        public var detail: String
        /// The line as the script printed it.
        public var text: String
    }

    public var lines: [Line]
    /// The script's exit status: 0 all passed, 1 a check failed, 2 usage error.
    public var exitCode: Int32?

    public init(lines: [Line], exitCode: Int32?) {
        self.lines = lines
        self.exitCode = exitCode
    }

    public var failing: [Line] { lines.filter { $0.status == .fail } }
    /// Both must agree: a FAIL line with exit 0, or exit 1 without one, means the script itself misbehaved.
    public var passed: Bool { exitCode == 0 && failing.isEmpty }

    /// Keeps the check lines ("ok   cuda: …", "FAIL nccl: …", "skip libs: …") and ignores anything else.
    public static func parse(_ output: String, exitCode: Int32?) -> StackCheckReport {
        var lines: [Line] = []
        for raw in output.split(whereSeparator: \.isNewline) {
            let text = String(raw)
            let status: Status
            if text.hasPrefix("ok ") { status = .ok } else if text.hasPrefix("FAIL ") { status = .fail }
            else if text.hasPrefix("skip ") { status = .skip } else { continue }
            let rest = text.drop { $0 != " " }.drop { $0 == " " }
            guard let colon = rest.firstIndex(of: ":") else { continue }
            let name = String(rest[..<colon])
            let detail = rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lines.append(Line(status: status, name: name, detail: detail, text: text))
        }
        return StackCheckReport(lines: lines, exitCode: exitCode)
    }

    /// The error a failed check becomes: one sentence that names every failing check and what it found.
    public func failure(image: String, logPath: String?) -> SlinkyError? {
        guard !passed else { return nil }
        let named = failing.map { "\($0.name) (\($0.detail))" }
        let what = named.isEmpty
            ? "slurmd-stack-check exited with status \(exitCode.map(String.init) ?? "?") without naming a failing check"
            : "failing check\(named.count == 1 ? "" : "s"): " + named.joined(separator: "; ")
        var hint = "fix the Dockerfile or its build arguments, then run `slinky image build --rebuild` and `slinky image verify` again"
        if let logPath { hint = "the full output is in \(logPath); " + hint }
        return .precondition("the stack check inside \(image) failed: \(what)", hint: hint)
    }
}
