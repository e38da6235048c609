import Foundation

/// The few S3 object operations shared state needs, through the AWS CLI's `s3api` (same flags in v1 and v2).
///
/// Writes can be conditional: `If-None-Match: *` creates an object only if it is absent, `If-Match: <etag>`
/// replaces it only if nobody replaced it since it was read. That is what keeps two machines from both
/// believing they own a cluster's run.
public struct S3Objects: Sendable {
    public let aws: AWSCLI
    public let bucket: String
    /// The bucket's own region, which need not be the cluster's.
    public let region: String

    public init(aws: AWSCLI, bucket: String, region: String) {
        self.aws = aws
        self.bucket = bucket
        self.region = region
    }

    public struct Object: Sendable {
        public var data: Data
        public var etag: String
    }

    public enum Condition: Sendable, Equatable {
        case none
        /// Create only; fails if the key exists.
        case absent
        /// Replace only the version with this ETag.
        case matches(String)
    }

    /// A conditional write lost: someone else created or changed the object first.
    public struct ConditionFailed: Error, Sendable {}

    public func url(_ key: String) -> String { "s3://\(bucket)/\(key)" }

    public func get(_ key: String) async throws -> Object? {
        let target = NSTemporaryDirectory() + "slinky-s3-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: target) }
        switch try await aws.call(["s3api", "get-object", "--bucket", bucket, "--key", key, target], region: region, log: nil) {
        case .success(let text):
            let data = FileManager.default.contents(atPath: target) ?? Data()
            return Object(data: data, etag: Self.etag(in: text) ?? "")
        case .failure(let failure):
            if ["NoSuchKey", "404"].contains(failure.code ?? "") { return nil }
            throw failure.asError
        }
    }

    @discardableResult
    public func put(_ key: String, _ data: Data, condition: Condition = .none) async throws -> String {
        let source = NSTemporaryDirectory() + "slinky-s3-\(UUID().uuidString)"
        try AtomicFile.write(data, to: source, permissions: 0o600)
        defer { try? FileManager.default.removeItem(atPath: source) }
        var arguments = ["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", source]
        switch condition {
        case .none: break
        case .absent: arguments += ["--if-none-match", "*"]
        case .matches(let etag): arguments += ["--if-match", etag]
        }
        // S3 answers 409 ConditionalRequestConflict when two conditional writes race; the retry then
        // meets the winner's object and fails its condition properly.
        for attempt in 1...3 {
            switch try await aws.call(arguments, region: region, log: nil) {
            case .success(let text):
                return Self.etag(in: text) ?? ""
            case .failure(let failure):
                switch failure.code {
                case "PreconditionFailed", "412": throw ConditionFailed()
                case "ConditionalRequestConflict" where attempt < 3: continue
                default: throw failure.asError
                }
            }
        }
        throw ConditionFailed()
    }

    public func delete(_ key: String) async throws {
        switch try await aws.call(["s3api", "delete-object", "--bucket", bucket, "--key", key], region: region, log: nil) {
        case .success: return
        case .failure(let failure):
            if ["NoSuchKey", "404"].contains(failure.code ?? "") { return }
            throw failure.asError
        }
    }

    /// Every key under `prefix`, following continuation tokens.
    public func keys(prefix: String) async throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var arguments = ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix]
            if let token { arguments += ["--continuation-token", token] }
            let page = try await aws.json(arguments, region: region, log: nil)
            for entry in page["Contents"] as? [[String: Any]] ?? [] {
                if let key = entry["Key"] as? String { keys.append(key) }
            }
            token = page["NextContinuationToken"] as? String
        } while token != nil
        return keys
    }

    static func etag(in text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        return object["ETag"] as? String
    }
}
