import ArgumentParser
import Foundation
import SlinkyCore

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a step's log from a run, list a run's logs, or pack a bug report bundle without secrets.",
        discussion: """
            Runs are the folders under <state>/<cluster>/logs (`slinky logs` lists the latest one's steps). \
            --bundle FILE.tar.gz packs the journal, every step log of the run, the terraform outputs (the \
            non-sensitive ones the install recorded), tool versions and the blueprint, with AWS keys and \
            tokens, passwords and private keys removed. Exit: 0, 3 no logs for this cluster, 64 no such run or step.
            """)

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    @Option(name: .long, help: "Which run: latest, or a run id as listed (a unique prefix is enough).")
    var run = "latest"

    @Option(name: .long, help: "The step whose log to print (e.g. terraform-apply); without it, the run's steps are listed.")
    var step: String?

    @Option(name: .long, help: "Write a bug report bundle (.tar.gz) of the run instead of printing.")
    var bundle: String?

    func run() async throws {
        let (environment, format, runner) = try cluster.start()
        let settings = try await CommandSupport.settings(cluster.raw, command: "logs", format: format, runner: runner)
        let logs = RunLogs(settings: settings)
        if let bundle {
            let (journal, _) = try await CommandSupport.journal(settings, command: "logs", format: format, runner: runner)
            let contents = try await CommandSupport.reporting("logs", format: format) {
                try await BugBundle(settings: settings, runner: runner, environment: environment)
                    .write(to: bundle, journal: journal, runSelector: self.run)
            }
            if format == .json {
                JSONLines.emit(["event": "bundle", "cluster": settings.cluster, "path": contents.path, "run": contents.run ?? "", "files": contents.files])
            } else {
                FileHandle.standardOutput.write(Data("\(contents.path)\n".utf8))
                FileHandle.standardError.write(Data("wrote \(contents.files.count) files, secrets removed; attach it to the bug report\n".utf8))
            }
            return
        }
        let run = try await CommandSupport.reporting("logs", format: format) { try logs.run(self.run) }
        if let step {
            let path = try await CommandSupport.reporting("logs", format: format) { try logs.logPath(run: run, step: step) }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            if format == .json {
                for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                    JSONLines.emit(["event": "log-line", "run": run, "step": step, "line": String(line)])
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
            return
        }
        let steps = logs.steps(in: run)
        if format == .json {
            JSONLines.emit(["event": "run", "cluster": settings.cluster, "run": run, "runs": logs.runs(), "steps": steps, "directory": "\(logs.directory)/\(run)"])
        } else {
            var text = "run \(run) (\(logs.directory)/\(run)):\n"
            for step in steps { text += "  \(step)\n" }
            text += "print one: slinky logs --run \(run) --step \(steps.first ?? "NAME")\(settings.cluster == ClusterSettings.defaultCluster ? "" : " --name \(settings.cluster)")\n"
            let earlier = logs.runs().dropLast().suffix(5)
            if !earlier.isEmpty { text += "earlier runs: \(earlier.joined(separator: ", "))\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
