import Foundation

/// `slinky state init`: a bucket fit to hold clusters' state. Every setting is applied on every run, so
/// running it again repairs a bucket someone loosened.
public struct StateBucketSetup: Sendable {
    public let aws: AWSCLI
    public let bucket: String
    /// A plain-HTTP S3 endpoint (a local emulator) could never satisfy the TLS-only policy.
    public let plainHTTPEndpoint: String?

    public init(aws: AWSCLI, bucket: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.aws = aws
        self.bucket = bucket
        plainHTTPEndpoint = [environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]]
            .compactMap { $0 }.first { !$0.isEmpty }.flatMap { $0.lowercased().hasPrefix("http://") ? $0 : nil }
    }

    /// The name used when none is given: unique per account and region, recognisable in a bucket list.
    public static func defaultName(account: String, region: String) -> String {
        "slinky-state-\(account)-\(region)"
    }

    /// Returns one line per setting, saying what was done.
    public func run(account: String) async throws -> [String] {
        var done: [String] = []
        switch try await aws.call(["s3api", "head-bucket", "--bucket", bucket, "--expected-bucket-owner", account], log: nil) {
        case .success:
            done.append("bucket \(bucket) exists in account \(account)")
        case .failure(let failure) where ["404", "NoSuchBucket", "NotFound"].contains(failure.code ?? ""):
            var arguments = ["s3api", "create-bucket", "--bucket", bucket]
            // us-east-1 is the one region that refuses an explicit location constraint.
            if aws.region != "us-east-1" {
                arguments += ["--create-bucket-configuration", "LocationConstraint=\(aws.region)"]
            }
            switch try await aws.call(arguments, log: nil) {
            case .success: done.append("created bucket \(bucket) in \(aws.region)")
            case .failure(let failure) where failure.code == "BucketAlreadyOwnedByYou":
                done.append("bucket \(bucket) exists in account \(account)")
            case .failure(let failure) where failure.code == "BucketAlreadyExists":
                throw SlinkyError.invalidInput(
                    "the bucket name \(bucket) is taken by another AWS account",
                    hint: "choose another --state-bucket (the default is \(Self.defaultName(account: account, region: aws.region)))")
            case .failure(let failure):
                throw failure.asError
            }
        case .failure(let failure) where ["403", "AccessDenied", "Forbidden"].contains(failure.code ?? ""):
            throw SlinkyError.precondition(
                "bucket \(bucket) belongs to another account or these credentials may not read it",
                hint: "choose another --state-bucket, or use credentials of the account that owns it")
        case .failure(let failure):
            throw failure.asError
        }
        try await must(["s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled"])
        done.append("versioning on: every earlier state stays recoverable")
        let encryption = #"{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":true}]}"#
        try await must(["s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration", encryption])
        done.append("default encryption on (SSE-S3)")
        try await must([
            "s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        ])
        done.append("public access blocked")
        if let plainHTTPEndpoint {
            done.append("TLS-only policy not set: the S3 endpoint \(plainHTTPEndpoint) is plain HTTP")
        } else {
            try await must(["s3api", "put-bucket-policy", "--bucket", bucket, "--policy", Self.tlsOnlyPolicy(bucket)])
            done.append("requests without TLS refused")
        }
        try await must(["s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", Self.lifecycle])
        done.append("old state versions expire after 90 days; unfinished uploads after 7")
        try await must(["s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", #"{"TagSet":[{"Key":"managed-by","Value":"slinky"},{"Key":"slinky:purpose","Value":"state"}]}"#])
        done.append("tagged managed-by=slinky")
        return done
    }

    private func must(_ arguments: [String]) async throws {
        _ = try await aws.json(arguments, log: nil)
    }

    static func tlsOnlyPolicy(_ bucket: String) -> String {
        #"{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::"# + bucket + #"","arn:aws:s3:::"# + bucket + #"/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#
    }

    static let lifecycle = #"{"Rules":[{"ID":"slinky-state-history","Status":"Enabled","Filter":{"Prefix":"slinky/"},"NoncurrentVersionExpiration":{"NoncurrentDays":90},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}}]}"#
}
