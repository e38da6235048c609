import ArgumentParser
import Foundation
import SlinkyCore

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, read-only, what would stop an install: tools, credentials, region, instance offerings, quotas, EKS version, disk, clock.",
        discussion: """
            Every AWS call is a describe, list or get. Each check prints a level (ok, info, warning, error), \
            one line of what it found and a fix; a check that cannot be made says "not checked" and why (never \
            an error). `slinky install` runs the same capacity and clock checks in its preflight before the \
            cluster's VPC exists and stops on an error. Exit: 0 no error, 1 at least one error.
            """)

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    @Option(name: .long, help: "The Dockerfile install would build, for the disk check (env: SLINKY_DOCKERFILE; default: dockerfiles/dlc-slurmd.Dockerfile).")
    var dockerfile: String?

    func run() async throws {
        let (_, format, runner) = try cluster.start()
        var raw = cluster.raw
        raw.dockerfile = dockerfile
        let settings = try await CommandSupport.settings(raw, command: "doctor", format: format, runner: runner)
        // A journal that cannot be read only means the doctor counts the stack's resources as not yet made.
        let journal = try? JournalStore.load(path: settings.journalPath)
        let started = Date()
        let findings = await SlinkyCore.Doctor(settings: settings, runner: runner).run(.all, journal: journal ?? nil)
        let errors = findings.filter { $0.level == .error }.count
        let warnings = findings.filter { $0.level == .warning }.count
        let notChecked = findings.filter { !$0.checked }.count
        let exitCode: Int32 = errors > 0 ? ExitStatus.stepFailed.rawValue : 0
        if format == .json {
            for finding in findings { try JSONLines.emit(finding, event: "check") }
            JSONLines.emit([
                "event": "summary", "command": "doctor", "cluster": settings.cluster, "region": settings.region,
                "result": errors > 0 ? "failed" : "succeeded", "exitCode": exitCode, "errors": errors, "warnings": warnings,
                "notChecked": notChecked, "durationSeconds": Date().timeIntervalSince(started),
            ])
        } else {
            let style = Style.detect()
            var text = "slinky doctor: cluster \(settings.cluster), region \(settings.region) (from \(settings.regionSource)), blueprint \(settings.blueprintPath)\n"
            for finding in findings {
                let label = finding.checked ? finding.level.rawValue : "skipped"
                let padded = label.padding(toLength: 8, withPad: " ", startingAt: 0)
                let colored = switch finding.level {
                case .error: style.red(padded)
                case .warning: style.yellow(padded)
                case .ok: style.green(padded)
                case .info: style.dim(padded)
                }
                text += "\(colored) \(finding.check.padding(toLength: 17, withPad: " ", startingAt: 0)) \(finding.finding)\n"
                if !finding.fix.isEmpty && (finding.level >= .warning || !finding.checked) { text += "         \("".padding(toLength: 17, withPad: " ", startingAt: 0)) fix: \(finding.fix)\n" }
            }
            text += "\(errors) error(s), \(warnings) warning(s), \(notChecked) not checked\n"
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
