import ArgumentParser
import Foundation
import SlinkyCore

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every Kubernetes object the stack would create, rendered by helm from the pinned charts, into a folder.",
        discussion: """
            One file per release (releases/NN-<release>.yaml), the exact values each release gets (values/), the objects \
            slinky creates itself with secrets as placeholders (objects/), and render.json, an index. Needs no AWS call \
            and no state: before an install, values only AWS knows (role ARNs, VPC, FSx) are placeholders containing \
            "placeholder"; for an installed cluster they are its real outputs. A chart that cannot be fetched (or is not \
            in --charts) is named as not rendered and the others are still written. Exit 1 when helm refuses a release's values.
            """)

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    @Option(name: .long, help: "Folder of unpacked helm charts to use instead of pulling the pinned ones, found by their Chart.yaml name and version (env: SLINKY_CHARTS_DIR).")
    var charts: String?

    @Option(name: .long, help: "Folder to write into: new, empty, or written by an earlier render (its files are replaced).")
    var out: String

    func run() async throws {
        let (environment, format, runner) = try cluster.start()
        var raw = cluster.raw
        raw.charts = charts
        let settings = try await CommandSupport.settings(raw, command: "render", format: format, runner: runner)
        let report = try await CommandSupport.reporting("render", format: format) { () async throws -> RenderReport in
            // Named like every run's folder, so `slinky logs` finds a render's log too.
            let logDirectory = "\(settings.stateDirectory)/logs/\(RunDriver.stamp.string(from: Date()))-render"
            try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
            let log = StepLog(path: "\(logDirectory)/render.log", stepID: .render, events: nil)
            defer { log.close() }
            return try await RenderService.run(settings: settings, output: out, runner: runner, environment: environment, log: log)
        }
        if format == .json {
            for release in report.releases {
                var object: [String: Any] = [
                    "event": "release", "release": release.name, "namespace": release.namespace, "chart": release.chart,
                    "version": release.version, "rendered": release.rendered, "failed": release.failed,
                    "objects": release.objectCount, "values": release.values,
                ]
                if let manifest = release.manifest { object["manifest"] = manifest }
                if let reason = release.reason { object["reason"] = reason }
                JSONLines.emit(object)
            }
            JSONLines.emit([
                "event": "summary", "command": "render", "cluster": settings.cluster,
                "result": report.failures.isEmpty ? "succeeded" : "failed", "exitCode": report.failures.isEmpty ? 0 : 1,
                "output": out, "placeholders": report.placeholders,
                "notRendered": report.notRendered.map { $0.name }, "failedReleases": report.failures.map { $0.name },
            ])
        } else {
            FileHandle.standardOutput.write(Data(Self.text(report, output: out).utf8))
        }
        if !report.failures.isEmpty { throw ExitCode(ExitStatus.stepFailed.rawValue) }
    }

    static func text(_ report: RenderReport, output: String) -> String {
        let style = Style.detect()
        var lines: [String] = []
        for release in report.releases {
            let what = "\(release.name) (\(release.chart) \(release.version), namespace \(release.namespace))"
            if release.rendered {
                lines.append("\(style.green("rendered"))      \(what): \(release.objectCount) objects in \(release.manifest ?? "")")
            } else if release.failed {
                lines.append("\(style.red("failed"))        \(what): \(release.reason ?? "helm failed")")
            } else {
                lines.append("\(style.yellow("not rendered"))  \(what): \(release.reason ?? "chart not available")")
            }
        }
        for object in report.objects {
            lines.append("object        \(object.kind) \(object.namespace.map { "\($0)/" } ?? "")\(object.name) in \(object.file)")
        }
        if !report.placeholders.isEmpty {
            lines.append("placeholders  \(report.placeholders.joined(separator: "; "))")
        }
        let rendered = report.releases.filter(\.rendered).count
        lines.append("\(rendered) of \(report.releases.count) releases rendered into \(output) (index: \(output)/render.json)")
        if let failed = report.failures.first {
            lines.append("error: helm refused the values of \(failed.name): \(failed.reason ?? "")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
