import ArgumentParser
import Foundation
import SlinkyCore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each step's state, when it ran, how long it took and what it produced; exit 0 only when fully installed.",
        discussion: "With a state bucket this works from any machine given the cluster's name and region; it reads, never locks.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let (environment, format, runner) = try cluster.start()
        let settings = try await CommandSupport.settings(cluster.raw, command: "status", format: format, runner: runner)
        let (journal, holder, location) = try await CommandSupport.reporting("status", format: format) {
            () async throws -> (Journal?, RemoteLockHolder?, String) in
            guard let bucket = settings.stateBucket else {
                return (try JournalStore.load(path: settings.journalPath), nil, settings.stateDirectory)
            }
            let reader = try await SharedStateReader.open(bucket: bucket, settings: settings, runner: runner, environment: environment)
            let (journal, holder) = try await reader.cluster()
            return (journal, holder, reader.location.url)
        }
        guard let journal else {
            let error = SlinkyError.precondition(
                "slinky has no record of cluster \(settings.cluster) in \(location)",
                hint: "run `slinky install\(settings.cluster == ClusterSettings.defaultCluster ? "" : " --name \(settings.cluster)")` to create it"
                    + (settings.stateBucket == nil ? ", or pass --state-bucket if its state is shared" : ", or check --region"))
            if format == .json {
                JSONLines.emit(["event": "status", "cluster": settings.cluster, "installed": false, "steps": [Any](), "error": error.message, "location": location])
            } else {
                FileHandle.standardError.write(Data("\(error.message). \(error.hint ?? "")\n".utf8))
            }
            throw ExitCode(ExitStatus.notInstalled.rawValue)
        }
        var status = ClusterStatus(
            journal: journal, stepOrder: Pipelines.installOrder(ClusterEnvironment(settings: settings, runner: runner)))
        status.location = location
        // The heartbeat's age tells a live run from one whose machine died (taken over after 10 minutes).
        status.runningOn = holder.map { "\($0.description), last heartbeat \(ISO8601DateFormatter().string(from: $0.heartbeatAt))" }
        if format == .json {
            try JSONLines.emit(status, event: "status")
        } else {
            FileHandle.standardOutput.write(Data(status.text(style: Style.detect()).utf8))
        }
        if !status.installed { throw ExitCode(ExitStatus.notInstalled.rawValue) }
    }
}
