import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mirrors every journal write to the bucket, newest version only, in order, with conditional writes.
///
/// Uploads run behind the pipeline so a step never waits on S3; a write another machine made in between
/// fails the condition and is reported instead of overwritten. The blueprint the cluster is built from
/// travels along, so a machine that never saw it can still destroy the cluster.
///
/// A burst of writes is let settle for `settle` before its newest version goes up: each upload is a start of
/// the aws CLI, and a run that ends within that time (a re-run with nothing to do) uploads only its final
/// journal. The bucket lags this machine's journal by at most that long; a run stopped inside it redoes a step.
public final class JournalMirror: Sendable {
    public enum Outcome: Sendable, Equatable {
        case synced
        case conflict
        case failed(String)
    }

    /// The newest journal not yet taken by the uploader, and whether the run is closing (no more settling).
    final class Pending: Sendable {
        let newest = Mutex<Data?>(nil)
        let closing = Mutex(false)
        func take() -> Data? { newest.withLock { data in defer { data = nil }; return data } }
    }

    private let pending = Pending()
    private let wakeUp: AsyncStream<Void>.Continuation
    private let worker: Task<Outcome, Never>

    /// `onConflict` runs once, from the uploader, when another run wrote the journal: this run no longer owns it.
    public init(
        objects: S3Objects, location: RemoteStateLocation, journalETag: String?, blueprintPath: String?,
        uploadedBlueprint alreadyInBucket: Data? = nil, settle: Duration = .seconds(2), onConflict: @escaping @Sendable () -> Void = {}
    ) {
        let (signals, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wakeUp = wakeUp
        let pending = self.pending
        worker = Task {
            var etag = journalETag
            var uploadedBlueprint = alreadyInBucket
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
            for await _ in signals {
                var waited = Duration.zero
                while waited < settle, !pending.closing.withLock({ $0 }) {
                    try? await Task.sleep(for: .milliseconds(50))
                    waited += .milliseconds(50)
                }
                guard let data = pending.take() else { continue }
                if let outcome = await upload(data) {
                    onConflict()
                    return outcome
                }
            }
            // Closing: the final journal goes up now; a last upload that failed is retried, so the bucket ends
            // with the final journal.
            if let data = pending.take(), let outcome = await upload(data) { return outcome }
            var attempts = 0
            while let unsent = failure?.journal, attempts < 3 {
                attempts += 1
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if let outcome = await upload(unsent) { return outcome }
            }
            return failure.map { .failed($0.reason) } ?? .synced
        }
    }

    public func push(_ data: Data) {
        pending.newest.withLock { $0 = data }
        wakeUp.yield()
    }

    /// Uploads what is still pending and says whether the bucket holds the final journal.
    public func finish() async -> Outcome {
        pending.closing.withLock { $0 = true }
        wakeUp.finish()
        return await worker.value
    }
}
