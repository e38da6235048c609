import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps two slinky runs off one cluster.
///
/// The kernel's `flock` is the lock itself, so a run killed with SIGKILL releases it without anyone having
/// to guess whether a PID is stale; the PID written inside only serves the message the next run prints.
/// The descriptor is close-on-exec so terraform and docker children never inherit (and outlive) the lock.
public final class ClusterLock: @unchecked Sendable {
    public struct Holder: Codable, Sendable {
        public var pid: Int32
        public var command: String
        public var startedAt: Date
        public var host: String
    }

    public let path: String
    private var descriptor: Int32 = -1
    /// Set when this run took over a lock whose recorded holder had died.
    public private(set) var tookOverFrom: Holder?

    public init(path: String) { self.path = path }

    public func acquire(cluster: String, command: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SlinkyError.fileWrite(path: path, reason: String(cString: strerror(errno)))
        }
        let previous = Self.readHolder(fd: fd)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            let holder = previous
            throw SlinkyError.locked(
                cluster: cluster, holderPID: holder?.pid ?? 0,
                since: holder.map { ISO8601DateFormatter().string(from: $0.startedAt) } ?? "at an unknown time",
                command: holder?.command ?? "slinky")
        }
        if let previous, previous.pid != getpid() { tookOverFrom = previous }
        let me = Holder(pid: getpid(), command: command, startedAt: Date(), host: ProcessInfo.processInfo.hostName)
        let data = (try? JSONEncoder().encode(me)) ?? Data()
        ftruncate(fd, 0)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    public func release() {
        guard descriptor >= 0 else { return }
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func readHolder(fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let decoder = JSONDecoder()
        return try? decoder.decode(Holder.self, from: Data(buffer[0..<n]))
    }
}
