import Foundation

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
