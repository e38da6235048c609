import Foundation

/// AWS regions slinky accepts. A name outside this list is almost always a typo ("us-west2", "eu-west-4"),
/// and catching it here beats a DNS error from the first API call.
public enum AWSRegions {
    public static let known: [String] = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ca-central-1", "ca-west-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-south-1", "eu-south-2", "eu-north-1",
        "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
        "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
    ]

    public static func validate(_ region: String, source: String) throws {
        guard !known.contains(region) else { return }
        let suggestion = known.min { distance($0, region) < distance($1, region) }
        var hint = "pass --region with one of the AWS regions"
        if let suggestion, distance(suggestion, region) <= 3 { hint = "did you mean \(suggestion)? pass --region \(suggestion)" }
        throw SlinkyError.invalidInput("unknown AWS region \"\(region)\" (from \(source))", hint: hint)
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The source range of the login load balancer.
public enum LoginCIDR {
    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let value = Int(part), (0...255).contains(value) else { return false }
            return String(value) == part
        }
    }

    public static func validate(_ cidr: String) throws {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv4(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix),
            String(prefix) == parts[1]
        else {
            throw SlinkyError.invalidInput(
                "\"\(cidr)\" is not an IPv4 CIDR", hint: "pass --allow-cidr like 203.0.113.7/32 or 198.51.100.0/24")
        }
        if prefix == 0 {
            throw SlinkyError.invalidInput(
                "--allow-cidr \(cidr) would open SSH to the login node to the whole internet",
                hint: "pass your own range; if you really mean it, set login_allow_cidr and allow_open_login = true in the blueprint yourself")
        }
    }
}

/// Names ECR, Docker and EKS accept, checked before anything is created.
public enum NameRules {
    // Patterns use \A and \z: `$` would also accept a trailing newline ("dlc-slurmd\n").
    public static func validateRepositoryName(_ name: String) throws {
        let pattern = #"\A(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\z"#
        guard (2...256).contains(name.count), name.range(of: pattern, options: .regularExpression) != nil else {
            throw SlinkyError.invalidInput(
                "\"\(name)\" is not a valid ECR repository name",
                hint: "use 2-256 lowercase letters, digits and . _ - / (starting and ending with a letter or digit), e.g. dlc-slurmd")
        }
    }

    public static func validateTag(_ tag: String) throws {
        let pattern = #"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z"#
        guard tag.range(of: pattern, options: .regularExpression) != nil else {
            throw SlinkyError.invalidInput(
                "\"\(tag)\" is not a valid image tag",
                hint: "use up to 128 letters, digits, _ . - (not starting with . or -), e.g. 25.05.0-ubuntu24.04")
        }
    }

    public static func validateClusterName(_ name: String) throws {
        // EKS allows 100 characters, but the stack derives IAM role names from it and those stop at 64.
        let pattern = #"\A[A-Za-z][A-Za-z0-9-]{0,37}\z"#
        guard name.range(of: pattern, options: .regularExpression) != nil, !name.hasSuffix("-") else {
            throw SlinkyError.invalidInput(
                "\"\(name)\" is not a valid cluster name",
                hint: "use 1-38 letters, digits and hyphens, starting with a letter, e.g. slurm-on-eks")
        }
    }

    /// S3's general-purpose bucket naming rules, checked before any call so a typo fails in one clear line.
    public static func validateBucketName(_ name: String) throws {
        let pattern = #"\A[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\z"#
        let looksLikeIP = name.range(of: #"\A\d+\.\d+\.\d+\.\d+\z"#, options: .regularExpression) != nil
        guard name.range(of: pattern, options: .regularExpression) != nil, !name.contains(".."), !looksLikeIP,
            !name.hasPrefix("xn--"), !name.hasSuffix("-s3alias") else {
            throw SlinkyError.invalidInput(
                "\"\(name)\" is not a valid S3 bucket name",
                hint: "use 3-63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit")
        }
    }
}
