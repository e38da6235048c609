import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run's hold on a cluster whose state lives in a bucket: the remote lock, the journal mirror, the
/// workspace terraform runs in. Opened after the local lock, closed before the summary is printed.
public final class SharedState: Sendable {
    public let location: RemoteStateLocation
    public let objects: S3Objects
    public let lock: RemoteRunLock
    public let mirror: JournalMirror
    private let heartbeat: Task<Void, Never>
    /// The dead holder whose lock this run took over, for the run's notes.
    public let tookOverFrom: RemoteLockHolder?

    init(location: RemoteStateLocation, objects: S3Objects, lock: RemoteRunLock, mirror: JournalMirror,
         heartbeat: Task<Void, Never>, tookOverFrom: RemoteLockHolder?) {
        self.location = location
        self.objects = objects
        self.lock = lock
        self.mirror = mirror
        self.heartbeat = heartbeat
        self.tookOverFrom = tookOverFrom
    }

    public static func objects(for location: RemoteStateLocation, runner: ProcessRunner, profile: String?) -> S3Objects {
        // Bucket calls are short and finish what a stop needs (final journal, lock release), so Ctrl-C
        // waits for them instead of cutting them off.
        S3Objects(
            aws: AWSCLI(runner: runner.ignoringInterrupts, region: location.bucketRegion, profile: profile),
            bucket: location.bucket, region: location.bucketRegion)
    }

    /// Locks the cluster in the bucket and makes this machine's folder a faithful cache of what the bucket
    /// holds; updates `settings` with the location and, for a cleanup, the blueprint the cluster was built from.
    public static func open(
        settings: inout ClusterSettings, bucket: String, phase: Phase, runner: ProcessRunner,
        interrupts: InterruptController, environment: [String: String] = ProcessInfo.processInfo.environment,
        identity: CallerIdentityLookup? = nil
    ) async throws -> SharedState {
        let marker = BackendMarker.read(stateDirectory: settings.stateDirectory)
        let (bucketView, lock, tookOver) = try await locked(
            bucket: bucket, marker: marker, settings: settings, runner: runner, environment: environment, identity: identity)
        let (location, objects) = (bucketView.location, bucketView.objects)
        do {
            try refuseUnpushedLocalState(settings: settings, marker: marker, bucket: bucket)
            // The blueprint the bucket holds: what a cleanup destroys with, and what an install need not
            // upload again when it is unchanged. Read beside the journal, so it costs no extra round trip.
            let wantsBlueprint = phase == .install || !settings.blueprintExplicit
            async let blueprintObject = Self.object(location.blueprintKey, in: objects, if: wantsBlueprint)
            let remoteJournal = try await objects.get(location.journalKey)
            // An install that cannot read it only uploads it again, as it always did.
            let remoteBlueprint = phase == .install ? ((try? await blueprintObject) ?? nil) : try await blueprintObject
            if let remoteJournal {
                _ = try JournalStore.decode(remoteJournal.data, source: objects.url(location.journalKey))
                try AtomicFile.write(remoteJournal.data, to: settings.journalPath, permissions: 0o600)
            } else if marker == nil {
                // A journal left from a run whose state never reached this bucket belongs to another cluster.
                try? FileManager.default.removeItem(atPath: settings.journalPath)
            }
            if phase == .cleanup, !settings.blueprintExplicit, let blueprint = remoteBlueprint {
                try AtomicFile.write(blueprint.data, to: settings.sharedBlueprintPath, permissions: 0o600)
                settings.blueprintPath = settings.sharedBlueprintPath
            }
            try BackendMarker(bucket: bucket, prefix: location.prefix, since: marker?.since ?? Date(), bucketRegion: location.bucketRegion)
                .write(stateDirectory: settings.stateDirectory)
            try TerraformWorkspace.prepare(
                stackDirectory: settings.stackDirectory, workspace: settings.terraformWorkspace,
                backendOverride: location.terraformBackendOverride, dataDirectory: settings.terraformDataDirectory)
            settings.remoteState = location
            // Losing the lock, or finding the journal written by someone else, means another run owns the
            // cluster now: stop the way Ctrl-C stops, so terraform still saves its state.
            let mirror = JournalMirror(
                objects: objects, location: location, journalETag: remoteJournal?.etag,
                blueprintPath: phase == .install ? settings.blueprintPath : nil, uploadedBlueprint: remoteBlueprint?.data,
                onConflict: { interrupts.handle(signal: SIGTERM) })
            let heartbeat = lock.keepAlive { interrupts.handle(signal: SIGTERM) }
            return SharedState(location: location, objects: objects, lock: lock, mirror: mirror, heartbeat: heartbeat, tookOverFrom: tookOver)
        } catch {
            await lock.release()
            throw error
        }
    }

    /// The cluster's place in the bucket, locked. A machine that ran here before remembers the place (account
    /// and bucket region, in its backend marker), so the lock is taken while the run's identity call proves the
    /// account: one round trip of the aws CLI instead of two in a row. Anything the marker got wrong (another
    /// account, a bucket gone or moved) releases what it took and goes the way a first run goes.
    static func locked(
        bucket: String, marker: BackendMarker?, settings: ClusterSettings, runner: ProcessRunner,
        environment: [String: String], identity: CallerIdentityLookup?
    ) async throws -> (SharedStateReader, RemoteRunLock, RemoteLockHolder?) {
        let command = "slinky \(settings.command)"
        if let identity, let remembered = marker?.rememberedLocation(bucket: bucket, settings: settings, environment: environment) {
            let reader = SharedStateReader(location: remembered, runner: runner, profile: settings.profile)
            let lock = RemoteRunLock(objects: reader.objects, key: remembered.lockKey)
            @Sendable func take() async -> Result<RemoteLockHolder?, any Error> {
                do { return .success(try await lock.acquire(cluster: settings.cluster, command: command)) } catch { return .failure(error) }
            }
            async let taking = take()
            let account = try? await identity.identity().account
            let taken = await taking
            if account == remembered.account {
                switch taken {
                case .success(let tookOver): return (reader, lock, tookOver)
                case .failure(let error as SlinkyError):
                    if case .lockedRemotely = error { throw error }
                case .failure: break
                }
            } else if case .success = taken {
                await lock.release()
            }
        }
        let reader = try await SharedStateReader.open(
            bucket: bucket, settings: settings, runner: runner, environment: environment, identity: identity)
        let lock = RemoteRunLock(objects: reader.objects, key: reader.location.lockKey)
        return (reader, lock, try await lock.acquire(cluster: settings.cluster, command: command))
    }

    static func object(_ key: String, in objects: S3Objects, if wanted: Bool) async throws -> S3Objects.Object? {
        wanted ? try await objects.get(key) : nil
    }

    /// A cluster whose terraform state is still a file on this machine must be moved, not shadowed by a new one.
    static func refuseUnpushedLocalState(settings: ClusterSettings, marker: BackendMarker?, bucket: String) throws {
        guard marker == nil else { return }
        let localJournal = (try? JournalStore.load(path: settings.journalPath)) ?? nil
        let hasLocalState = FileManager.default.fileExists(atPath: settings.terraformStatePath)
        let hasHistory = localJournal.map { !$0.install.isEmpty || !$0.cleanup.isEmpty } ?? false
        guard hasLocalState || hasHistory else { return }
        if localJournal?.lastCommand == "cleanup", localJournal?.lastResult == "succeeded", !hasLocalState { return }
        throw SlinkyError.precondition(
            "cluster \(settings.cluster) keeps its state on this machine (\(settings.stateDirectory)), not in bucket \(bucket)",
            hint: "move it there with `slinky state push --name \(settings.cluster) --state-bucket \(bucket)`, then run again")
    }

    /// Stops the heartbeat, uploads the final journal, releases the lock; says what went wrong, if anything.
    /// `ownershipLost`: another run took the cluster, which outranks whatever this run was reporting.
    public func close() async -> (error: SlinkyError?, ownershipLost: Bool) {
        heartbeat.cancel()
        // A heartbeat already rewriting the lock finishes first and records its ETag; otherwise the check below
        // could read the lock it just wrote, compare it with the ETag before it, and leave the lock behind.
        await heartbeat.value
        // Two independent bucket calls (each a start of the aws CLI): checking the lock is still ours and
        // the last journal upload. Together they cost one round trip.
        async let lockStillHeld = lock.stillHeld()
        let outcome = await mirror.finish()
        let error = await closingError(outcome, lockStillHeld: await lockStillHeld)
        return (error, lock.wasLost || outcome == .conflict)
    }

    private func closingError(_ outcome: JournalMirror.Outcome, lockStillHeld: Bool) async -> SlinkyError? {
        let lost = lock.wasLost
        // Deletes the lock object only if it is still this run's version of it.
        await lock.release(confirmed: lockStillHeld)
        if lost {
            return .precondition(
                "another run took over cluster \(location.cluster)'s lock in \(location.url) while this run worked, so this run stopped",
                hint: "check `slinky status --name \(location.cluster)` before running again")
        }
        switch outcome {
        case .synced: return nil
        case .conflict:
            return .precondition(
                "the journal in \(objects.url(location.journalKey)) was changed by another run; this run's record was not written over it",
                hint: "check `slinky status --name \(location.cluster)`, then run again")
        case .failed(let reason):
            return .precondition(
                "could not save the journal to \(objects.url(location.journalKey)): \(reason)",
                hint: "the cluster's terraform state is safe in the bucket; run again to resume once S3 answers")
        }
    }
}
