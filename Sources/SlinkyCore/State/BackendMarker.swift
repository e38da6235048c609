import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers, in a cluster's local folder, that its state lives in a bucket, so later commands on this
/// machine use the bucket without being told again.
public struct BackendMarker: Codable, Sendable, Equatable {
    public var bucket: String
    public var prefix: String
    public var since: Date
    /// Where the bucket is, remembered so a later run can take its lock while STS (or ECR) proves the account,
    /// instead of after asking S3 for the bucket's region. Absent in markers older than it.
    public var bucketRegion: String?

    public init(bucket: String, prefix: String, since: Date, bucketRegion: String? = nil) {
        self.bucket = bucket
        self.prefix = prefix
        self.since = since
        self.bucketRegion = bucketRegion
    }

    /// The location this marker remembers for `settings`' cluster in `bucket`, if it remembers all of it.
    /// The account in it is a guess until the run's identity confirms it.
    public func rememberedLocation(bucket: String, settings: ClusterSettings, environment: [String: String]) -> RemoteStateLocation? {
        guard bucket == self.bucket, let bucketRegion else { return nil }
        let parts = prefix.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "slinky", !parts[1].isEmpty, parts[4].isEmpty else { return nil }
        let location = RemoteStateLocation(
            bucket: bucket, bucketRegion: bucketRegion, account: String(parts[1]), region: settings.region,
            cluster: settings.cluster, pathStyle: RemoteStateLocation.pathStyle(environment))
        return location.prefix == prefix ? location : nil
    }

    public static func path(stateDirectory: String) -> String { "\(stateDirectory)/backend.json" }

    public static func read(stateDirectory: String) -> BackendMarker? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)) else { return nil }
        return try? JournalStore.decoder.decode(BackendMarker.self, from: data)
    }

    public func write(stateDirectory: String) throws {
        try AtomicFile.write(JournalStore.encoder.encode(self), to: Self.path(stateDirectory: stateDirectory), permissions: 0o600)
    }
}
