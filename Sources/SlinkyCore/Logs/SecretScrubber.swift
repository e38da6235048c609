import Foundation

/// Removes secrets from text before it leaves the machine in a bug report bundle.
///
/// Logs are redacted as they are written, but only of secrets slinky itself handled; a bundle also carries
/// files a person or another tool may have touched (a blueprint with a pasted key, a log line from an
/// earlier version). So the scrubber removes by value (the credentials of this run, the login key) and by
/// shape (key=value pairs named like secrets, AWS key ids, PEM private keys, auth headers).
public struct SecretScrubber: Sendable {
    public static let marker = "[removed]"
    /// Exact values to remove wherever they appear.
    var values: [String]

    /// `environment`: the AWS credentials and registry or database passwords of this process, by value.
    public init(environment: [String: String], privateKeyPaths: [String] = []) {
        var values: [String] = []
        for (name, value) in environment where value.count >= 8 && Self.isSecretName(name) {
            values.append(value)
        }
        for path in privateKeyPaths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            // Each line of the key's body, so a key pasted with other line breaks still goes.
            values += text.split(separator: "\n").map(String.init).filter { $0.count >= 16 && !$0.hasPrefix("-----") }
        }
        self.values = values.sorted { $0.count > $1.count }
    }

    /// Names of variables and keys whose values are secret: AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    /// mariadb-password, registryPassword, "auth", Authorization, ...
    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "aws_access_key_id" || lower == "auth" { return true }
        return ["secret", "password", "passwd", "token", "credential", "private_key", "privatekey", "private-key", "authorization"]
            .contains { lower.contains($0) }
    }

    private static let patterns: [(NSRegularExpression, String)] = {
        let secretName = #"[A-Za-z0-9_.\-]*(?:secret|password|passwd|token|credential|private[_-]?key|authorization|auth)[A-Za-z0-9_.\-]*"#
        let rules: [(String, String)] = [
            // PEM and OpenSSH private keys, whole blocks.
            (#"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----"#, "-----PRIVATE KEY \(marker)-----"),
            // AWS access key ids (long-term AKIA, temporary ASIA).
            (#"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b"#, marker),
            // "name": "value" in JSON.
            (#"("\#(secretName)"\s*:\s*)"(?:[^"\\]|\\.)*""#, "$1\"\(marker)\""),
            // name = value, name: value, NAME=value (shell, tfvars, YAML, env dumps, INI).
            (#"(?i)(\b\#(secretName)\b\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;}"']+)"#, "$1\(marker)"),
            // Authorization headers (SigV4 signatures, bearer tokens).
            (#"(?i)(authorization['"]?\s*[:=]\s*['"]?)[^'"\n]+"#, "$1\(marker)"),
            // --password VALUE, -p VALUE after a login command.
            (#"(--password[ =]|\blogin\b.*?\s-p\s+)\S+"#, "$1\(marker)"),
        ]
        return rules.map { (try! NSRegularExpression(pattern: $0.0, options: [.caseInsensitive]), $0.1) }
    }()

    public func scrub(_ text: String) -> String {
        var result = text
        for value in values where result.contains(value) {
            result = result.replacingOccurrences(of: value, with: Self.marker)
        }
        for (pattern, template) in Self.patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = pattern.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }
}
