import ArgumentParser
import Foundation
import SlinkyCore

struct StatePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Move a cluster's terraform state and journal from this machine into the state bucket.",
        discussion: "Terraform copies its own state; slinky checks the copy lists the same resources before it renames the local file aside (kept as terraform.tfstate.pushed-<time>).")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let (_, format, runner) = try cluster.start()
        InterruptController.shared.installSignalHandlers()
        try await CommandSupport.reporting("state push", format: format) {
            let settings = try await CommandSupport.resolver().resolve(cluster.raw, command: "state push", runner: runner)
            guard let bucket = settings.stateBucket else {
                throw SlinkyError.invalidInput(
                    "state push needs the bucket to move the state into",
                    hint: "pass --state-bucket NAME (create one with `slinky state init`)")
            }
            let lines = try await StatePush(settings: settings, bucket: bucket, runner: runner).run()
            if format == .json {
                JSONLines.emit(["event": "state-push", "cluster": settings.cluster, "bucket": bucket, "result": "succeeded", "done": lines])
            } else {
                for line in lines { print(line) }
            }
        }
    }
}
