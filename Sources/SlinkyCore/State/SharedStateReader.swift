import Foundation

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
        bucket: String, settings: ClusterSettings, runner: ProcessRunner, environment: [String: String], account: String? = nil,
        identity: CallerIdentityLookup? = nil
    ) async throws -> SharedStateReader {
        let aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
        let location = try await RemoteStateLocation.open(
            bucket: bucket, cluster: settings.cluster, region: settings.region, aws: aws, environment: environment, account: account,
            identity: identity)
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
