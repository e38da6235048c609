import Foundation

/// One line of `slinky list`.
public struct ClusterSummary: Codable, Sendable, Equatable {
    public var cluster: String
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
        cluster = journal.cluster
        region = journal.region
        account = journal.account
        lastCommand = journal.lastCommand
        lastResult = journal.lastResult
        updatedAt = journal.updatedAt
        self.location = location
        runningOn = holder?.description
        state = Self.describe(ClusterStatus(journal: journal), holder: holder)
    }

    static func describe(_ status: ClusterStatus, holder: RemoteLockHolder?) -> String {
        if let holder { return "running (\(holder.command))" }
        if status.installed { return "installed" }
        let result = status.lastResult == "running" ? "stopped" : (status.lastResult ?? "unknown")
        if status.phase == "cleanup" { return status.lastResult == "succeeded" ? "removed" : "cleanup \(result)" }
        return "install \(result)"
    }
}

/// One cluster's place in a state bucket (location and objects), and what `slinky list` and `slinky status` read there.
public struct SharedStateReader: Sendable {
    public let location: RemoteStateLocation
    public let objects: S3Objects

    public init(location: RemoteStateLocation, runner: ProcessRunner, profile: String?) {
        self.location = location
        self.objects = SharedState.objects(for: location, runner: runner, profile: profile)
    }

    /// A reader for `settings`' cluster in `bucket`; it never takes the lock.
    public static func open(
        bucket: String, settings: ClusterSettings, runner: ProcessRunner, environment: [String: String], account: String? = nil
    ) async throws -> SharedStateReader {
        let aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
        let location = try await RemoteStateLocation.open(
            bucket: bucket, cluster: settings.cluster, region: settings.region, aws: aws, environment: environment, account: account)
        return SharedStateReader(location: location, runner: runner, profile: settings.profile)
    }

    /// Every cluster the location's account keeps in the bucket, in any region.
    public func clusters() async throws -> [ClusterSummary] {
        let keys = try await objects.keys(prefix: "slinky/\(location.account)/")
        let locks = Set(keys.filter { $0.hasSuffix("/run.lock") }.map { String($0.dropLast("run.lock".count)) })
        var summaries: [ClusterSummary] = []
        for key in keys where key.hasSuffix("/journal.json") {
            let prefix = String(key.dropLast("journal.json".count))
            guard let object = try await objects.get(key),
                let journal = try? JournalStore.decode(object.data, source: objects.url(key)) else { continue }
            var holder: RemoteLockHolder?
            if locks.contains(prefix), let lock = try await objects.get(prefix + "run.lock") {
                holder = try? JournalStore.decoder.decode(RemoteLockHolder.self, from: lock.data)
            }
            summaries.append(ClusterSummary(journal: journal, location: "s3://\(objects.bucket)/\(prefix)", holder: holder))
        }
        return summaries
    }

    /// The location's cluster: its journal, if any.
    public func journal() async throws -> Journal? {
        try await objects.get(location.journalKey).map { try JournalStore.decode($0.data, source: objects.url(location.journalKey)) }
    }

    /// The location's cluster: its journal and the run holding it, if any.
    public func cluster() async throws -> (Journal?, RemoteLockHolder?) {
        let journal = try await journal()
        let holder = try await objects.get(location.lockKey).flatMap { try? JournalStore.decoder.decode(RemoteLockHolder.self, from: $0.data) }
        return (journal, holder)
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
