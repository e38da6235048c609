import Foundation

public enum StepState: String, Codable, Sendable {
    case pending, running, succeeded, failed, interrupted
}

/// What slinky knows about one step of one cluster: enough to skip it, resume it or explain it.
public struct StepRecord: Codable, Sendable, Equatable {
    public var state: StepState
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationSeconds: Double?
    /// A hash of the step's inputs when it last succeeded; a different hash means the step must run again.
    public var fingerprint: String?
    public var outputs: [String: String]
    public var error: String?
    public var logPath: String?
    /// When a later run last confirmed, read-only, that the recorded result still holds.
    public var verifiedAt: Date?

    public init(state: StepState = .pending) {
        self.state = state
        self.outputs = [:]
    }
}

/// The phase a journal section belongs to; install and cleanup are resumed independently.
public enum Phase: String, Codable, Sendable {
    case install, cleanup
}

/// slinky's record of one cluster, one JSON file per cluster, versioned so later releases can migrate it.
public struct Journal: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var cluster: String
    public var region: String?
    public var account: String?
    public var install: [String: StepRecord]
    public var cleanup: [String: StepRecord]
    public var updatedAt: Date?
    public var lastCommand: String?
    public var lastResult: String?

    public init(cluster: String) {
        self.version = Self.currentVersion
        self.cluster = cluster
        self.install = [:]
        self.cleanup = [:]
    }

    public subscript(phase: Phase) -> [String: StepRecord] {
        get { phase == .install ? install : cleanup }
        set { if phase == .install { install = newValue } else { cleanup = newValue } }
    }
}

/// Reads and writes a cluster's journal; every write replaces the file atomically.
public actor JournalStore {
    public nonisolated let path: String
    private var journal: Journal

    public init(path: String, cluster: String, mirror: (@Sendable (Data) -> Void)? = nil) throws {
        self.path = path
        self.journal = try Self.load(path: path) ?? Journal(cluster: cluster)
        self.persists = true
        self.mirror = mirror
    }

    /// A journal that starts from `initial` and is never written: what `--dry-run` works with.
    public init(path: String, cluster: String, initial: Journal?) throws {
        self.path = path
        self.journal = initial ?? Journal(cluster: cluster)
        self.persists = false
        self.mirror = nil
    }

    private let persists: Bool
    /// Told about every write after it is on disk: how the journal reaches a state bucket.
    private let mirror: (@Sendable (Data) -> Void)?

    public static func load(path: String) throws -> Journal? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try decode(data, source: path)
    }

    /// Decodes a journal read from `source` (a path or an s3:// URL), refusing formats this slinky cannot read.
    public static func decode(_ data: Data, source path: String) throws -> Journal {
        struct VersionProbe: Decodable { var version: Int }
        let decoder = Self.decoder
        guard let probe = try? decoder.decode(VersionProbe.self, from: data) else {
            throw SlinkyError.precondition(
                "the journal \(path) is not readable JSON",
                hint: "move it aside (slinky then re-checks every step against the real world) and run again")
        }
        guard probe.version <= Journal.currentVersion else {
            throw SlinkyError.precondition(
                "the journal \(path) was written by a newer slinky (format \(probe.version), this one knows \(Journal.currentVersion))",
                hint: "upgrade slinky")
        }
        do {
            return try decoder.decode(Journal.self, from: data)
        } catch {
            throw SlinkyError.precondition(
                "the journal \(path) does not match format \(probe.version): \(error)",
                hint: "move it aside and run again")
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    public var current: Journal { journal }

    @discardableResult
    public func update(_ change: (inout Journal) -> Void) throws -> Journal {
        var next = journal
        change(&next)
        next.updatedAt = Date()
        if persists {
            let data = try Self.encoder.encode(next)
            try AtomicFile.write(data, to: path, permissions: 0o600)
            mirror?(data)
        }
        journal = next
        return next
    }

    public func record(_ phase: Phase, _ step: StepID) -> StepRecord? {
        journal[phase][step.rawValue]
    }
}
