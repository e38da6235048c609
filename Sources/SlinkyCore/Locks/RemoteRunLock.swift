import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who holds a cluster's run in the bucket, and how recently they proved they are alive.
public struct RemoteLockHolder: Codable, Sendable, Equatable {
    public var host: String
    public var pid: Int32
    public var command: String
    public var user: String
    public var startedAt: Date
    public var heartbeatAt: Date

    public var description: String {
        "`\(command)` on \(host) (PID \(pid), user \(user), started \(ISO8601DateFormatter().string(from: startedAt)))"
    }
}

/// The cross-machine lock: an object created with `If-None-Match: *`, kept alive by conditional
/// rewrites, deleted at the end. A holder that stops heartbeating is presumed dead after `staleAfter`;
/// on the holder's own machine a dead PID is known at once.
public final class RemoteRunLock: Sendable {
    public let objects: S3Objects
    public let key: String
    public let staleAfter: TimeInterval
    private let etag = Mutex<String?>(nil)
    private let holderRecord = Mutex<RemoteLockHolder?>(nil)
    private let lost = Mutex(false)

    public static let defaultStaleAfter: TimeInterval = 600
    public static let heartbeatInterval: TimeInterval = 60

    public init(objects: S3Objects, key: String, staleAfter: TimeInterval = RemoteRunLock.defaultStaleAfter) {
        self.objects = objects
        self.key = key
        self.staleAfter = staleAfter
    }

    /// True once another run replaced this run's lock object: this run no longer owns the cluster.
    public var wasLost: Bool { lost.withLock { $0 } }

    public static func currentHolder(command: String) -> RemoteLockHolder {
        let now = Date()
        return RemoteLockHolder(
            host: ProcessInfo.processInfo.hostName, pid: getpid(), command: command,
            user: ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName,
            startedAt: now, heartbeatAt: now)
    }

    public func read() async throws -> (RemoteLockHolder?, String)? {
        guard let object = try await objects.get(key) else { return nil }
        return (try? JournalStore.decoder.decode(RemoteLockHolder.self, from: object.data), object.etag)
    }

    /// Takes the lock, or throws `.locked` naming the live holder. Returns the dead holder it replaced, if any.
    @discardableResult
    public func acquire(cluster: String, command: String) async throws -> RemoteLockHolder? {
        let me = Self.currentHolder(command: command)
        holderRecord.withLock { $0 = me }
        let body = try JournalStore.encoder.encode(me)
        for _ in 0..<3 {
            do {
                let tag = try await objects.put(key, body, condition: .absent)
                etag.withLock { $0 = tag }
                return nil
            } catch is S3Objects.ConditionFailed {
                guard let (holder, currentTag) = try await read() else { continue }
                if let holder, !isDead(holder) {
                    throw SlinkyError.lockedRemotely(
                        cluster: cluster, holder: holder.description,
                        heartbeat: ISO8601DateFormatter().string(from: holder.heartbeatAt),
                        staleAfterMinutes: Int(staleAfter / 60))
                }
                do {
                    let tag = try await objects.put(key, body, condition: .matches(currentTag))
                    etag.withLock { $0 = tag }
                    return holder ?? me
                } catch is S3Objects.ConditionFailed {
                    continue
                }
            }
        }
        throw SlinkyError.precondition(
            "could not take the run lock \(objects.url(key)): other runs keep changing it", hint: "wait a minute and run again")
    }

    func isDead(_ holder: RemoteLockHolder) -> Bool {
        if Date().timeIntervalSince(holder.heartbeatAt) > staleAfter { return true }
        if holder.host == ProcessInfo.processInfo.hostName {
            return kill(holder.pid, 0) != 0 && errno == ESRCH
        }
        return false
    }

    /// Rewrites the lock with a fresh heartbeat; marks the lock lost if someone else replaced it.
    public func heartbeat() async {
        guard let current = etag.withLock({ $0 }), var me = holderRecord.withLock({ $0 }) else { return }
        me.heartbeatAt = Date()
        guard let body = try? JournalStore.encoder.encode(me) else { return }
        do {
            let tag = try await objects.put(key, body, condition: .matches(current))
            etag.withLock { $0 = tag }
        } catch is S3Objects.ConditionFailed {
            lost.withLock { $0 = true }
        } catch {
            // A network blip: the next heartbeat tries again; only `staleAfter` of silence loses the lock.
        }
    }

    /// Heartbeats until cancelled; `onLost` runs once if the lock is taken from this run.
    public func keepAlive(onLost: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(Self.heartbeatInterval * 1_000_000_000))
                if Task.isCancelled { return }
                await heartbeat()
                if wasLost { onLost(); return }
            }
        }
    }

    /// Whether the lock object in the bucket is still this run's: the first half of `release`, on its own so
    /// the read can overlap the run's last journal upload.
    public func stillHeld() async -> Bool {
        guard let mine = etag.withLock({ $0 }), !wasLost else { return false }
        guard let (_, current) = try? await read() else { return false }
        return current == mine
    }

    /// Deletes the lock object if it is still this run's (`confirmed`: what `stillHeld` already found).
    public func release(confirmed: Bool? = nil) async {
        guard etag.withLock({ $0 }) != nil, !wasLost else { return }
        let held: Bool
        if let confirmed { held = confirmed } else { held = await stillHeld() }
        if held { try? await objects.delete(key) }
        etag.withLock { $0 = nil }
    }
}
