import Foundation
import Testing

/// `slinky render` with real helm on the pinned charts (offline copies from ../shared/charts), every object
/// checked by tests/kubernetes/check-rendered against the Kubernetes 1.35 schemas and the charts' CRDs, every
/// values key against the chart's own values. Needs the built binary, not the AWS sandbox.
@Suite("slinky render: the Kubernetes layer rendered by helm and validated", .enabled(if: Sandbox.binary != nil))
struct RenderTests {
    static let charts: String = "\(NSTemporaryDirectory())slinky-offline-charts"
    /// Charts with an offline copy here; every other release must be named as not rendered.
    static let offline: Set<String> = ["karpenter", "slinky-aws", "slurm-operator-crds", "slurm-operator", "slurm"]

    let work: String

    init() throws {
        work = "\(NSTemporaryDirectory())slinky-render-\(Sandbox.uniqueSuffix())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    func prepareCharts() async throws {
        let result = try await Runner.run("\(Sandbox.projectRoot)/tests/kubernetes/prepare-charts", [Self.charts])
        #expect(result.exitCode == 0, "prepare-charts: \(result.stderr)")
    }

    /// The default blueprint plus `extra` lines (an extra line replaces the blueprint's own for the same key).
    func blueprint(_ extra: String) throws -> String {
        let path = "\(work)/blueprint-\(Sandbox.uniqueSuffix()).tfvars"
        var lines = try String(contentsOfFile: "\(Sandbox.projectRoot)/blueprints/blueprint.tfvars", encoding: .utf8)
            .components(separatedBy: "\n")
        for line in extra.components(separatedBy: "\n") {
            guard let key = line.split(separator: "=").first?.trimmingCharacters(in: .whitespaces), !key.isEmpty else { continue }
            lines.removeAll { $0.split(separator: "=").first?.trimmingCharacters(in: .whitespaces) == key }
            lines.append(line)
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func render(_ extra: String, out: String, json: Bool = false) async throws -> RunResult {
        try await prepareCharts()
        var arguments = ["render", "--blueprint", try blueprint(extra), "--state-dir", "\(work)/state", "--charts", Self.charts, "--out", out]
        if json { arguments += ["--output", "json"] }
        return try await Runner.slinky(arguments)
    }

    func check(_ out: String) async throws -> RunResult {
        try await Runner.run("\(Sandbox.projectRoot)/tests/kubernetes/check-rendered", [out])
    }

    func index(_ out: String) throws -> [[String: Any]] {
        let data = try #require(FileManager.default.contents(atPath: "\(out)/render.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return object["releases"] as? [[String: Any]] ?? []
    }

    func text(_ out: String, _ file: String) -> String {
        (try? String(contentsOfFile: "\(out)/\(file)", encoding: .utf8)) ?? ""
    }

    /// The manifest of one release, found through render.json (numbers shift when a release is off).
    func manifest(_ out: String, release: String) throws -> String {
        let entry = try index(out).first { $0["name"] as? String == release }
        return text(out, try #require(entry?["manifest"] as? String, "\(release) was not rendered"))
    }

    @Test("Slinky 0.4.1 (default): every chart with an offline copy renders, every object and values key passes, the rest is named", arguments: ["0.4.1", "1.2.1"])
    func rendersAndValidates(version: String) async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = "\(work)/out"
        let result = try await render(#"slinky_version = "\#(version)""#, out: out)
        #expect(result.exitCode == 0, result.diagnostics)
        let releases = try index(out)
        let rendered = Set(releases.filter { $0["rendered"] as? Bool == true }.compactMap { $0["name"] as? String })
        #expect(rendered == Self.offline)
        for release in releases where release["rendered"] as? Bool != true {
            #expect((release["reason"] as? String ?? "").contains("no offline copy"), "\(release)")
            #expect(result.stdout.contains("not rendered  \(release["name"] as? String ?? "?")"))
        }
        let checked = try await check(out)
        #expect(checked.exitCode == 0, Comment(rawValue: checked.stdout + checked.stderr))
        #expect(checked.stdout.contains(", 0 failed"))
        #expect(checked.stdout.contains("not rendered here: cert-manager"))
        #expect(releases.first { $0["name"] as? String == "slurm" }?["version"] as? String == version)
    }

    @Test("the fixes the first render called for are in the objects: NodeSet defaults, operator placement, GRES, exporter, priority, anti-affinity")
    func fixesAreRendered() async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = "\(work)/out"
        let result = try await render("", out: out)
        #expect(result.exitCode == 0, result.diagnostics)
        let slurm = try manifest(out, release: "slurm")
        // A new NodeSet inherits nothing from the chart's sample entry; without these the chart stopped.
        #expect(slurm.contains("kind: NodeSet"))
        #expect(slurm.contains("image: docker.io/library/alpine:latest"))
        #expect(slurm.contains("AutoDetect=nvidia"))
        #expect(!slurm.contains("AutoDetect=nvml"))
        #expect(slurm.contains("priorityClassName: slurm-on-eks-slurm"))
        #expect(slurm.contains("podAntiAffinity"))
        let operatorRelease = try manifest(out, release: "slurm-operator")
        // 0.4.1 has no operator/webhook nodeSelector: both are placed by node affinity.
        #expect(operatorRelease.components(separatedBy: "slinky.slurm.net/node-pool").count - 1 == 2)
        let values = text(out, "values/slurm.yaml")
        #expect(values.contains("\"exporter\":\n    \"nodeSelector\":\n      \"slinky.slurm.net/node-pool\": \"system\""))
        let aws = try manifest(out, release: "slinky-aws")
        #expect(aws.contains("kind: PriorityClass"))
        #expect(aws.contains("kind: StatefulSet"))  // the accounting database
        #expect(aws.contains("grafana_dashboard"))
        #expect(aws.contains("internet-facing"))  // the login NLB of 0.4.1
        // The database password is generated on the cluster at install; the rendered Secret has no value.
        #expect(text(out, "objects/01-secret-slurm-mariadb.yaml").contains("<generated at install>"))
    }

    @Test("spot capacity, disk size and switched-off extras show in what is rendered")
    func blueprintChoicesReachTheObjects() async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = "\(work)/out"
        let result = try await render(#"""
            gpu_capacity_types         = ["spot", "on-demand"]
            gpu_node_disk_size         = "750Gi"
            slurm_priority_class_value = 0
            enable_dcgm_exporter       = false
            """#, out: out, json: true)
        #expect(result.exitCode == 0, result.diagnostics)
        let aws = try manifest(out, release: "slinky-aws")
        #expect(aws.contains("- spot"))
        #expect(aws.contains("volumeSize: 750Gi"))
        #expect(!aws.contains("kind: PriorityClass"))
        let slurm = try manifest(out, release: "slurm")
        #expect(!slurm.contains("priorityClassName: slurm"))
        #expect(!(try index(out)).contains { $0["name"] as? String == "dcgm-exporter" })
        let summary = try #require(result.events.last)
        #expect(summary["event"] as? String == "summary")
        #expect(summary["result"] as? String == "succeeded")
        #expect(result.events.filter { $0["event"] as? String == "release" }.count == 11)
        let checked = try await check(out)
        #expect(checked.exitCode == 0, Comment(rawValue: checked.stdout))
    }

    @Test("a misspelled values key is caught by the check, naming its path")
    func misspelledKeyIsCaught() async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = "\(work)/out"
        let result = try await render("", out: out)
        #expect(result.exitCode == 0, result.diagnostics)
        let valuesPath = "\(out)/values/slurm.yaml"
        let values = try String(contentsOfFile: valuesPath, encoding: .utf8)
        let misspelled = values.replacingOccurrences(of: "\"useResourceLimits\": true", with: "\"useResourceLimit\": true")
        #expect(misspelled != values)
        try misspelled.write(toFile: valuesPath, atomically: true, encoding: .utf8)
        let checked = try await check(out)
        #expect(checked.exitCode == 1)
        #expect(checked.stdout.contains("nodesets.hp-node.useResourceLimit"), Comment(rawValue: checked.stdout))
    }

    @Test("a Slinky release that cannot run the blueprint's image is refused before anything is written")
    func mismatchedReleaseRefused() async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let out = "\(work)/out"
        let result = try await render(#"""
            slinky_version = "1.2.1"
            image_tag      = "25.05.0-ubuntu24.04"
            """#, out: out)
        #expect(result.exitCode == 65, result.diagnostics)
        #expect(result.stderr.contains("Slurm 26.05"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
