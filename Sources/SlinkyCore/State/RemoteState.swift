import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a cluster's shared state lives in S3: one folder per account, region and cluster.
///
/// The account is part of the key so one bucket can serve several accounts without two clusters of the
/// same name colliding.
public struct RemoteStateLocation: Sendable, Codable, Equatable {
    public var bucket: String
    public var bucketRegion: String
    public var account: String
    public var region: String
    public var cluster: String
    /// Set when AWS_ENDPOINT_URL(_S3) points at an S3-compatible endpoint, which needs path-style addressing.
    public var pathStyle: Bool

    public init(bucket: String, bucketRegion: String, account: String, region: String, cluster: String, pathStyle: Bool) {
        self.bucket = bucket
        self.bucketRegion = bucketRegion
        self.account = account
        self.region = region
        self.cluster = cluster
        self.pathStyle = pathStyle
    }

    public static func prefix(account: String, region: String, cluster: String) -> String {
        "slinky/\(account)/\(region)/\(cluster)/"
    }

    public var prefix: String { Self.prefix(account: account, region: region, cluster: cluster) }
    public var terraformStateKey: String { prefix + "terraform.tfstate" }
    public var journalKey: String { prefix + "journal.json" }
    public var lockKey: String { prefix + "run.lock" }
    public var blueprintKey: String { prefix + "blueprint.tfvars" }
    public var url: String { "s3://\(bucket)/\(prefix)" }

    /// The override file that turns the stack's local backend into S3 with S3-native locking.
    public var terraformBackendOverride: String {
        var lines = [
            "# Written by slinky for cluster \(cluster): its state lives in \(url). Do not edit; slinky rewrites it.",
            "terraform {",
            "  backend \"s3\" {",
            "    bucket       = \"\(bucket)\"",
            "    key          = \"\(terraformStateKey)\"",
            "    region       = \"\(bucketRegion)\"",
            "    encrypt      = true",
            "    use_lockfile = true",
        ]
        if pathStyle { lines.append("    use_path_style = true") }
        lines += ["  }", "}", ""]
        return lines.joined(separator: "\n")
    }

    /// Finds the account (the key needs it; pass it when already known) and the bucket's region; fails
    /// clearly when the bucket is missing.
    public static func open(
        bucket: String, cluster: String, region: String, aws: AWSCLI, environment: [String: String], account: String? = nil
    ) async throws -> RemoteStateLocation {
        try NameRules.validateBucketName(bucket)
        let account = if let account { account } else { try await aws.callerAccount() }
        let bucketRegion = try await Self.bucketRegion(bucket, aws: aws)
        let pathStyle = [environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]].contains { !($0 ?? "").isEmpty }
        return RemoteStateLocation(
            bucket: bucket, bucketRegion: bucketRegion, account: account, region: region, cluster: cluster, pathStyle: pathStyle)
    }

    static func bucketRegion(_ bucket: String, aws: AWSCLI) async throws -> String {
        switch try await aws.call(["s3api", "get-bucket-location", "--bucket", bucket], log: nil) {
        case .success(let text):
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
            // S3 reports us-east-1 as no constraint and eu-west-1 by its legacy name.
            switch object["LocationConstraint"] as? String {
            case nil, "": return "us-east-1"
            case "EU": return "eu-west-1"
            case let region?: return region
            }
        case .failure(let failure):
            if failure.code == "NoSuchBucket" {
                throw SlinkyError.precondition(
                    "the state bucket \(bucket) does not exist",
                    hint: "create it with `slinky state init --state-bucket \(bucket)`, or check the name")
            }
            throw failure.asError
        }
    }
}

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

/// A folder terraform runs in when the state is remote: a copy of the stack plus the backend override.
/// The stack itself stays untouched, so clusters with local and remote state can share one checkout.
///
/// A copy, not links: terraform resolves a linked module folder to its real path and caches that in the
/// data directory, so a workspace of links would keep using the checkout it first saw.
public enum TerraformWorkspace {
    public static func prepare(stackDirectory: String, workspace: String, backendOverride: String, dataDirectory: String? = nil) throws {
        let fm = FileManager.default
        try AtomicFile.makeDirectory(workspace, permissions: 0o700)
        for entry in (try? fm.contentsOfDirectory(atPath: workspace)) ?? [] where entry != ".terraform.lock.hcl" {
            try fm.removeItem(atPath: "\(workspace)/\(entry)")
        }
        for entry in try fm.contentsOfDirectory(atPath: stackDirectory) {
            if entry == ".terraform" || entry.contains(".tfstate") || entry.hasSuffix("_override.tf") || entry.hasSuffix("_override.tf.json") {
                continue
            }
            let target = "\(workspace)/\(entry)"
            // Terraform may rewrite its lock file; the workspace keeps its own after the first copy.
            if entry == ".terraform.lock.hcl", fm.fileExists(atPath: target) { continue }
            try fm.copyItem(atPath: "\(stackDirectory)/\(entry)", toPath: target)
        }
        try AtomicFile.write(backendOverride, to: "\(workspace)/slinky_backend_override.tf", permissions: 0o600)
        // Module folders recorded by an earlier init that point elsewhere are dropped; the init step sees the
        // record missing and records them afresh.
        let record = "\(dataDirectory ?? "")/modules/modules.json"
        if dataDirectory != nil, let text = fm.contents(atPath: record).map({ String(decoding: $0, as: UTF8.self) }),
            text.contains(#""Dir":"/"#), !text.contains(#""Dir":"\#(workspace)"#) {
            try? fm.removeItem(atPath: record)
        }
    }
}

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

    /// Deletes the lock object if it is still this run's.
    public func release() async {
        guard let mine = etag.withLock({ $0 }), !wasLost else { return }
        if let (_, current) = try? await read(), current == mine {
            try? await objects.delete(key)
        }
        etag.withLock { $0 = nil }
    }
}

/// Mirrors every journal write to the bucket, newest version only, in order, with conditional writes.
///
/// Uploads run behind the pipeline so a step never waits on S3; a write another machine made in between
/// fails the condition and is reported instead of overwritten. The blueprint the cluster is built from
/// travels along, so a machine that never saw it can still destroy the cluster.
public final class JournalMirror: Sendable {
    public enum Outcome: Sendable, Equatable {
        case synced
        case conflict
        case failed(String)
    }

    private let continuation: AsyncStream<Data>.Continuation
    private let worker: Task<Outcome, Never>

    /// `onConflict` runs once, from the uploader, when another run wrote the journal: this run no longer owns it.
    public init(
        objects: S3Objects, location: RemoteStateLocation, journalETag: String?, blueprintPath: String?,
        onConflict: @escaping @Sendable () -> Void = {}
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self, bufferingPolicy: .bufferingNewest(1))
        self.continuation = continuation
        worker = Task {
            var etag = journalETag
            var uploadedBlueprint: Data?
            // The newest journal whose upload failed, and why; nil once the bucket holds the newest.
            var failure: (journal: Data, reason: String)?
            func upload(_ data: Data) async -> Outcome? {
                do {
                    etag = try await objects.put(location.journalKey, data, condition: etag.map { .matches($0) } ?? .absent)
                    if let blueprintPath, let blueprint = FileManager.default.contents(atPath: blueprintPath), blueprint != uploadedBlueprint {
                        try await objects.put(location.blueprintKey, blueprint)
                        uploadedBlueprint = blueprint
                    }
                    failure = nil
                    return nil
                } catch is S3Objects.ConditionFailed {
                    return .conflict
                } catch {
                    failure = (data, (error as? SlinkyError)?.message ?? "\(error)")
                    return nil
                }
            }
            for await data in stream {
                if let outcome = await upload(data) {
                    onConflict()
                    return outcome
                }
            }
            // The stream is finished: retry a last upload that failed, so the bucket ends with the final journal.
            var attempts = 0
            while let unsent = failure?.journal, attempts < 3 {
                attempts += 1
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if let outcome = await upload(unsent) { return outcome }
            }
            return failure.map { .failed($0.reason) } ?? .synced
        }
    }

    public func push(_ data: Data) { continuation.yield(data) }

    /// Uploads what is still pending and says whether the bucket holds the final journal.
    public func finish() async -> Outcome {
        continuation.finish()
        return await worker.value
    }
}
