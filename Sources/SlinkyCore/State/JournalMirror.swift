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
        uploadedBlueprint alreadyInBucket: Data? = nil, onConflict: @escaping @Sendable () -> Void = {}
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self, bufferingPolicy: .bufferingNewest(1))
        self.continuation = continuation
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
