import ArgumentParser
import Foundation
import SlinkyCore

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Shared state in S3: create the bucket, move a cluster's local state into it.",
        discussion: """
            With --state-bucket (or SLINKY_STATE_BUCKET), a cluster's terraform state (S3 backend, S3-native \
            locking, encrypted), slinky's journal and the blueprint it was built from live in \
            s3://BUCKET/slinky/ACCOUNT/REGION/CLUSTER/, and a lock object there keeps two machines off one cluster. \
            Any machine with the name, region and bucket can then run status, install (resuming) and cleanup.
            """,
        subcommands: [StateInit.self, StatePushCommand.self])
}

struct StateInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the state bucket (versioned, encrypted, public access blocked, TLS only); safe to run again.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        let runner = CommandSupport.makeRunner()
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
                CommandSupport.emitJSON(["event": "state-init", "bucket": bucket, "region": settings.region, "account": account, "done": lines])
            } else {
                for line in lines { print("  \(line)") }
                print("State bucket ready. Use it with: export SLINKY_STATE_BUCKET=\(bucket)")
            }
        }
    }
}

struct StatePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Move a cluster's terraform state and journal from this machine into the state bucket.",
        discussion: "Terraform copies its own state; slinky checks the copy lists the same resources before it renames the local file aside (kept as terraform.tfstate.pushed-<time>).")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        InterruptController.shared.installSignalHandlers()
        let runner = CommandSupport.makeRunner()
        try await CommandSupport.reporting("state push", format: format) {
            let settings = try await CommandSupport.resolver().resolve(cluster.raw, command: "state push", runner: runner)
            guard let bucket = settings.stateBucket else {
                throw SlinkyError.invalidInput(
                    "state push needs the bucket to move the state into",
                    hint: "pass --state-bucket NAME (create one with `slinky state init`)")
            }
            let lines = try await StatePush(settings: settings, bucket: bucket, runner: runner).run()
            if format == .json {
                CommandSupport.emitJSON(["event": "state-push", "cluster": settings.cluster, "bucket": bucket, "result": "succeeded", "done": lines])
            } else {
                for line in lines { print(line) }
            }
        }
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the clusters slinky knows: in this machine's state folder and in the state bucket, with their state.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        let runner = CommandSupport.makeRunner()
        var clusters = try await CommandSupport.reporting("list", format: format) { () async throws -> [ClusterSummary] in
            let settings = try await CommandSupport.resolver().resolve(cluster.raw, command: "list", runner: runner)
            let stateBase = (settings.stateDirectory as NSString).deletingLastPathComponent
            let local = LocalClusters.summaries(stateBase: stateBase)
            var clusters = local.clusters
            var buckets = local.buckets
            if let bucket = settings.stateBucket { buckets.insert(bucket) }
            if !buckets.isEmpty {
                let account = try await AWSCLI(runner: runner, region: settings.region, profile: settings.profile).callerAccount()
                for bucket in buckets.sorted() {
                    let reader = try await SharedStateReader.open(
                        bucket: bucket, settings: settings, runner: runner, environment: environment, account: account)
                    clusters += try await reader.clusters()
                }
            }
            return clusters
        }
        clusters.sort { ($0.cluster, $0.region ?? "", $0.location) < ($1.cluster, $1.region ?? "", $1.location) }
        if format == .json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for summary in clusters {
                guard var object = try JSONSerialization.jsonObject(with: encoder.encode(summary)) as? [String: Any] else { continue }
                object["event"] = "cluster"
                CommandSupport.emitJSON(object)
            }
        } else {
            FileHandle.standardOutput.write(Data(ClusterTable.text(clusters, style: Style.detect()).utf8))
        }
    }
}
