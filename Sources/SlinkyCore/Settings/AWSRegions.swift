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
