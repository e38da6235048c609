import Foundation
import Synchronization

/// Replaces every known secret with a marker before a line reaches a log, the terminal or the journal.
public final class Redactor: Sendable {
    private let secrets = Mutex<[String]>([])

    public init() {}

    public func register(_ secret: Secret) {
        // Very short values would blank out ordinary words; real tokens are long.
        guard secret.value.count >= 6 else { return }
        secrets.withLock { list in
            if !list.contains(secret.value) { list.append(secret.value) }
        }
    }

    public func redact(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        guard !list.isEmpty else { return text }
        var result = text
        for secret in list where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }
}
