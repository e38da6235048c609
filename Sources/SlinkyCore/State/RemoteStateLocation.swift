import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a cluster's shared state lives in S3: one folder per account, region and cluster.
///
/// The account is part of the key so one bucket can serve several accounts without two clusters of the
/// same name colliding.
public struct RemoteStateLocation: Sendable, Codable, Equatable {
    public var bucket: String
    public var bucketRegion: String
    public var account: String
    public var region: String
    public var cluster: String
    /// Set when AWS_ENDPOINT_URL(_S3) points at an S3-compatible endpoint, which needs path-style addressing.
    public var pathStyle: Bool

    public init(bucket: String, bucketRegion: String, account: String, region: String, cluster: String, pathStyle: Bool) {
        self.bucket = bucket
        self.bucketRegion = bucketRegion
        self.account = account
        self.region = region
        self.cluster = cluster
        self.pathStyle = pathStyle
    }

    public static func prefix(account: String, region: String, cluster: String) -> String {
        "slinky/\(account)/\(region)/\(cluster)/"
    }

    public var prefix: String { Self.prefix(account: account, region: region, cluster: cluster) }
    public var terraformStateKey: String { prefix + "terraform.tfstate" }
    public var journalKey: String { prefix + "journal.json" }
    public var lockKey: String { prefix + "run.lock" }
    public var blueprintKey: String { prefix + "blueprint.tfvars" }
    public var url: String { "s3://\(bucket)/\(prefix)" }

    /// The override file that turns the stack's local backend into S3 with S3-native locking.
    public var terraformBackendOverride: String {
        var lines = [
            "# Written by slinky for cluster \(cluster): its state lives in \(url). Do not edit; slinky rewrites it.",
            "terraform {",
            "  backend \"s3\" {",
            "    bucket       = \"\(bucket)\"",
            "    key          = \"\(terraformStateKey)\"",
            "    region       = \"\(bucketRegion)\"",
            "    encrypt      = true",
            "    use_lockfile = true",
        ]
        if pathStyle { lines.append("    use_path_style = true") }
        lines += ["  }", "}", ""]
        return lines.joined(separator: "\n")
    }

    /// Finds the account (the key needs it; pass it when already known) and the bucket's region; fails
    /// clearly when the bucket is missing.
    public static func open(
        bucket: String, cluster: String, region: String, aws: AWSCLI, environment: [String: String], account: String? = nil,
        identity: CallerIdentityLookup? = nil
    ) async throws -> RemoteStateLocation {
        try NameRules.validateBucketName(bucket)
        // Two independent questions, asked at the same time; a credentials problem is still reported first.
        async let bucketRegionAnswer = Self.bucketRegion(bucket, aws: aws)
        let account = if let account { account } else if let identity { try await identity.identity().account } else { try await aws.callerAccount() }
        let bucketRegion = try await bucketRegionAnswer
        return RemoteStateLocation(
            bucket: bucket, bucketRegion: bucketRegion, account: account, region: region, cluster: cluster,
            pathStyle: pathStyle(environment))
    }

    static func pathStyle(_ environment: [String: String]) -> Bool {
        [environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]].contains { !($0 ?? "").isEmpty }
    }

    static func bucketRegion(_ bucket: String, aws: AWSCLI) async throws -> String {
        switch try await aws.call(["s3api", "get-bucket-location", "--bucket", bucket], log: nil) {
        case .success(let text):
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
            // S3 reports us-east-1 as no constraint and eu-west-1 by its legacy name.
            switch object["LocationConstraint"] as? String {
            case nil, "": return "us-east-1"
            case "EU": return "eu-west-1"
            case let region?: return region
            }
        case .failure(let failure):
            if failure.code == "NoSuchBucket" {
                throw SlinkyError.precondition(
                    "the state bucket \(bucket) does not exist",
                    hint: "create it with `slinky state init --state-bucket \(bucket)`, or check the name")
            }
            throw failure.asError
        }
    }
}
