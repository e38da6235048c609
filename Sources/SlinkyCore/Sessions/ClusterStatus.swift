import Foundation

/// `slinky status`: what the journal says about a cluster, without touching AWS.
public struct ClusterStatus: Codable, Sendable, JournalHeadline {
    public struct Step: Codable, Sendable {
        public var step: String
        public var state: String
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationSeconds: Double?
        public var outputs: [String: String]
        public var error: String?
        public var logPath: String?
    }

    public var cluster = ""
    public var region: String?
    public var account: String?
    public var installed: Bool
    public var phase: String
    public var lastCommand: String?
    public var lastResult: String?
    public var updatedAt: Date?
    public var steps: [Step]
    /// The folder or s3:// prefix the record was read from.
    public var location: String?
    /// The run holding the cluster's lock in the state bucket right now, if any.
    public var runningOn: String?

    /// Steps whose outputs a user looks for first; others stay in the JSON.
    static let interestingOutputs: [StepID: [String]] = [
        .identity: ["account"],
        .ecrRepository: ["uri"],
        .image: ["image", "digest"],
        .sshKey: ["path", "fingerprint"],
        .terraformApply: ["cluster_name", "vpc_id", "cluster_endpoint"],
        .access: ["login_hostname", "ssh_command"],
    ]

    /// `stepOrder`: the install pipeline's ids in declaration order (`Pipelines.installOrder`); steps it does
    /// not name (cleanup's, or those of an older stack) follow in the order they started.
    public init(journal: Journal, stepOrder: [StepID] = []) {
        let usingCleanup = !journal.cleanup.isEmpty
        phase = usingCleanup ? "cleanup" : "install"
        let records = usingCleanup ? journal.cleanup : journal.install
        func rank(_ id: String, _ record: StepRecord) -> (Int, Date) {
            (stepOrder.firstIndex(of: StepID(id)) ?? stepOrder.count, record.startedAt ?? .distantFuture)
        }
        steps = records.sorted { rank($0.key, $0.value) < rank($1.key, $1.value) }.map { id, record in
            Step(step: id, state: record.state.rawValue, startedAt: record.startedAt, finishedAt: record.finishedAt,
                 durationSeconds: record.durationSeconds, outputs: record.outputs, error: record.error, logPath: record.logPath)
        }
        installed = !usingCleanup && journal.lastResult == "succeeded" && journal.lastCommand == "install"
            && records[StepID.terraformApply.rawValue]?.state == .succeeded && records.values.allSatisfy { $0.state == .succeeded }
        takeHeadline(from: journal)
    }

    public func text(style: Style) -> String {
        var lines = [style.bold("cluster \(cluster)") + "  region \(region ?? "?")  account \(account ?? "?")"]
        let verdict: String
        if installed {
            verdict = style.green("installed")
        } else if phase == "cleanup" {
            verdict = lastResult == "succeeded" ? "removed (cleanup finished)" : style.yellow("cleanup \(lastResult ?? "unfinished")")
        } else {
            verdict = style.yellow("not fully installed (last install \(lastResult ?? "unknown"))")
        }
        lines.append("state: \(verdict)")
        if let location { lines.append("record: \(location)") }
        if let runningOn { lines.append(style.yellow("running now: \(runningOn)")) }
        let formatter = ISO8601DateFormatter()
        for step in steps {
            var line = "  \(step.state.padding(toLength: 12, withPad: " ", startingAt: 0)) \(step.step.padding(toLength: 20, withPad: " ", startingAt: 0))"
            if let finished = step.finishedAt { line += " \(formatter.string(from: finished))" }
            if let duration = step.durationSeconds { line += "  \(formatDuration(duration))" }
            lines.append(line)
            for key in Self.interestingOutputs[StepID(step.step)] ?? [] {
                if let value = step.outputs[key], !value.isEmpty { lines.append("      \(key): \(value)") }
            }
            if let error = step.error, step.state != "succeeded" { lines.append("      error: \(error)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
