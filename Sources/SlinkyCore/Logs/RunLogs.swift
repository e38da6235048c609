import Foundation

/// The step logs of a cluster's runs: `<state>/<cluster>/logs/<yyyyMMdd-HHmmss>-<command>/<step>.log`.
public struct RunLogs: Sendable {
    public let directory: String
    let cluster: String

    public init(settings: ClusterSettings) {
        directory = "\(settings.stateDirectory)/logs"
        cluster = settings.cluster
    }

    /// Run ids, oldest first (the timestamp prefix sorts in time order).
    public func runs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { fileKind("\(directory)/\($0)") == .directory }.sorted()
    }

    /// `latest`, a run id, or the start of one (`20260101-1200` is enough when only one run matches).
    public func run(_ selector: String) throws -> String {
        let all = runs()
        guard !all.isEmpty else {
            throw SlinkyError.notInstalled(
                cluster: cluster, missing: "has no run logs in \(directory)",
                hint: "logs are written by `slinky install` and `slinky cleanup` on this machine; with a state bucket, only the machine that ran a step has its log")
        }
        if selector == "latest" { return all[all.count - 1] }
        if all.contains(selector) { return selector }
        let matches = all.filter { $0.hasPrefix(selector) }
        guard matches.count == 1 else {
            throw SlinkyError.invalidInput(
                matches.isEmpty ? "no run \(selector) in \(directory)" : "\(selector) names \(matches.count) runs",
                hint: "pass --run latest or one of: \(all.suffix(10).joined(separator: ", "))")
        }
        return matches[0]
    }

    /// The step names that have a log in `run`, in name order.
    public func steps(in run: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(run)")) ?? []
        return names.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
    }

    public func logPath(run: String, step: String) throws -> String {
        let path = "\(directory)/\(run)/\(step).log"
        guard fileKind(path) == .file else {
            throw SlinkyError.invalidInput(
                "run \(run) has no log for step \(step)",
                hint: "pass --step with one of: \(steps(in: run).joined(separator: ", "))")
        }
        return path
    }
}
