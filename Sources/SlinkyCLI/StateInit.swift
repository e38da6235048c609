import ArgumentParser
import Foundation
import SlinkyCore

struct StateInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the state bucket (versioned, encrypted, public access blocked, TLS only); safe to run again.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let (environment, format, runner) = try cluster.start()
        try await CommandSupport.reporting("state init", format: format) {
            var raw = cluster.raw
            // The bucket need not exist yet, and a cluster folder's recorded bucket is not the question here.
            let requested = raw.stateBucket ?? environment["SLINKY_STATE_BUCKET"].flatMap { $0.isEmpty ? nil : $0 }
            raw.stateBucket = nil
            let settings = try await CommandSupport.resolver().resolve(raw, command: "state init", runner: runner)
            let aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
            let account = try await aws.callerAccount()
            let bucket = requested ?? StateBucketSetup.defaultName(account: account, region: settings.region)
            try NameRules.validateBucketName(bucket)
            let lines = try await StateBucketSetup(aws: aws, bucket: bucket).run(account: account)
            if format == .json {
                JSONLines.emit(["event": "state-init", "bucket": bucket, "region": settings.region, "account": account, "done": lines])
            } else {
                for line in lines { print("  \(line)") }
                print("State bucket ready. Use it with: export SLINKY_STATE_BUCKET=\(bucket)")
            }
        }
    }
}
