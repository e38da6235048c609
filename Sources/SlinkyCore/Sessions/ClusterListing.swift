import Foundation

/// One line of `slinky list`.
public struct ClusterSummary: Codable, Sendable, Equatable, JournalHeadline {
    public var cluster = ""
    public var region: String?
    public var account: String?
    /// installed, install failed, cleanup interrupted, removed, running, ...
    public var state: String
    public var lastCommand: String?
    public var lastResult: String?
    public var updatedAt: Date?
    /// A local folder, or the s3:// folder of a cluster with shared state.
    public var location: String
    /// The run holding the cluster's lock in the bucket, if any.
    public var runningOn: String?

    public init(journal: Journal, location: String, holder: RemoteLockHolder?) {
        self.location = location
        runningOn = holder?.description
        state = Self.describe(ClusterStatus(journal: journal), holder: holder)
        takeHeadline(from: journal)
    }

    static func describe(_ status: ClusterStatus, holder: RemoteLockHolder?) -> String {
        if let holder { return "running (\(holder.command))" }
        if status.installed { return "installed" }
        let result = status.lastResult == "running" ? "stopped" : (status.lastResult ?? "unknown")
        if status.phase == "cleanup" { return status.lastResult == "succeeded" ? "removed" : "cleanup \(result)" }
        return "install \(result)"
    }
}

/// The clusters recorded in local state folders (one folder per cluster under the state directory).
public enum LocalClusters {
    public static func summaries(stateBase: String) -> (clusters: [ClusterSummary], buckets: Set<String>) {
        var summaries: [ClusterSummary] = []
        var buckets: Set<String> = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateBase)) ?? []
        for entry in entries.sorted() {
            let folder = "\(stateBase)/\(entry)"
            if let marker = BackendMarker.read(stateDirectory: folder) {
                // Its truth is the bucket's, listed from there.
                buckets.insert(marker.bucket)
                continue
            }
            guard let journal = try? JournalStore.load(path: "\(folder)/journal.json") else { continue }
            summaries.append(ClusterSummary(journal: journal, location: folder, holder: nil))
        }
        return (summaries, buckets)
    }
}

public enum ClusterTable {
    public static func text(_ clusters: [ClusterSummary], style: Style) -> String {
        guard !clusters.isEmpty else { return "no clusters known here\n" }
        let formatter = ISO8601DateFormatter()
        let rows = clusters.map { c in
            [c.cluster, c.region ?? "?", c.state, c.updatedAt.map { formatter.string(from: $0) } ?? "-", c.location]
        }
        let header = ["CLUSTER", "REGION", "STATE", "UPDATED", "WHERE"]
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < 4 { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in i < 4 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) : cell }
                .joined(separator: "  ")
        }
        return ([style.bold(line(header))] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
