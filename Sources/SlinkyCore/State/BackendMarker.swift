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

    public static func path(stateDirectory: String) -> String { "\(stateDirectory)/backend.json" }

    public static func read(stateDirectory: String) -> BackendMarker? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)) else { return nil }
        return try? JournalStore.decoder.decode(BackendMarker.self, from: data)
    }

    public func write(stateDirectory: String) throws {
        try AtomicFile.write(JournalStore.encoder.encode(self), to: Self.path(stateDirectory: stateDirectory), permissions: 0o600)
    }
}
