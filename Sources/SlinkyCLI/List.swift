import ArgumentParser
import Foundation
import SlinkyCore

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the clusters slinky knows: in this machine's state folder and in the state bucket, with their state.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let (environment, format, runner) = try cluster.start()
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
            for summary in clusters { try JSONLines.emit(summary, event: "cluster") }
        } else {
            FileHandle.standardOutput.write(Data(ClusterTable.text(clusters, style: Style.detect()).utf8))
        }
    }
}
