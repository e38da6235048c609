import Foundation

/// What `slinky render` wrote for one release.
public struct RenderedRelease: Sendable, Codable, Equatable {
    public var name: String
    public var namespace: String
    public var repository: String
    public var chart: String
    public var version: String
    public var rendered: Bool
    /// The unpacked chart helm rendered (nil when it was not available).
    public var chartPath: String?
    /// Relative to the output folder.
    public var manifest: String?
    public var values: String
    /// Why it was not rendered: the chart is not available here, or helm refused the values.
    public var reason: String?
    /// helm failed on a chart that was there: the values are wrong, not the machine.
    public var failed: Bool
    public var objectCount: Int
}

public struct RenderedObject: Sendable, Codable, Equatable {
    public var kind: String
    public var name: String
    public var namespace: String?
    public var file: String
}

/// `render.json`: the index of an output folder, for people and for the checks in tests/kubernetes.
public struct RenderReport: Sendable, Codable {
    public var version = 1
    public var cluster: String
    public var kubernetesVersion: String
    public var slinkyVersion: String
    public var placeholders: [String]
    public var releases: [RenderedRelease]
    public var objects: [RenderedObject]

    public var failures: [RenderedRelease] { releases.filter(\.failed) }
    public var notRendered: [RenderedRelease] { releases.filter { !$0.rendered && !$0.failed } }
}

/// Renders every release of a plan with helm into a folder: `releases/NN-<release>.yaml` (what helm would
/// create), `values/<release>.yaml` (the exact values), `objects/NN-<name>.yaml` (what slinky creates itself,
/// secrets as placeholders), and `render.json`.
public struct ManifestRenderer: Sendable {
    let runner: ProcessRunner
    let charts: ChartSource
    let helm = Helm()

    public init(runner: ProcessRunner, charts: ChartSource) {
        self.runner = runner
        self.charts = charts
    }

    static let indexName = "render.json"
    static let ownedFolders = ["releases", "values", "objects"]

    public func render(_ plan: DeploymentPlan, cluster: String, into output: String, log: StepLog) async throws -> RenderReport {
        try prepare(output)
        for folder in Self.ownedFolders { try AtomicFile.makeDirectory("\(output)/\(folder)", permissions: 0o755) }

        // helm runs once per release; they are independent, so they run side by side.
        let releases = try await withThrowingTaskGroup(of: (Int, RenderedRelease).self) { group in
            for (index, release) in plan.releases.enumerated() {
                group.addTask {
                    (index, try await self.render(release, number: index + 1, kubernetesVersion: plan.kubernetesVersion, into: output, log: log))
                }
            }
            var done: [(Int, RenderedRelease)] = []
            for try await item in group { done.append(item) }
            return done.sorted { $0.0 < $1.0 }.map(\.1)
        }

        var objects: [RenderedObject] = []
        var number = 0
        for secret in plan.secrets {
            number += 1
            let file = "objects/\(Self.number(number))-secret-\(secret.name).yaml"
            try AtomicFile.write(Self.placeholderSecret(secret), to: "\(output)/\(file)", permissions: 0o644)
            objects.append(RenderedObject(kind: "Secret", name: secret.name, namespace: secret.namespace, file: file))
        }
        for object in plan.objects {
            number += 1
            let parsed = (try? JSONSerialization.jsonObject(with: Data(object.utf8))) as? [String: Any] ?? [:]
            let metadata = parsed["metadata"] as? [String: Any] ?? [:]
            let kind = parsed["kind"] as? String ?? "Object"
            let name = metadata["name"] as? String ?? "object"
            let file = "objects/\(Self.number(number))-\(kind.lowercased())-\(name).yaml"
            // JSON is YAML; kubectl and helm-free GitOps tools read it as it is.
            try AtomicFile.write(object + "\n", to: "\(output)/\(file)", permissions: 0o644)
            objects.append(RenderedObject(kind: kind, name: name, namespace: metadata["namespace"] as? String, file: file))
        }

        let report = RenderReport(
            cluster: cluster, kubernetesVersion: plan.kubernetesVersion, slinkyVersion: plan.slinkyVersion,
            placeholders: plan.placeholders, releases: releases, objects: objects)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(report) + Data("\n".utf8), to: "\(output)/\(Self.indexName)", permissions: 0o644)
        return report
    }

    private func render(_ release: HelmRelease, number: Int, kubernetesVersion: String, into output: String, log: StepLog) async throws -> RenderedRelease {
        let valuesFile = "values/\(release.name).yaml"
        try AtomicFile.write(release.valuesYAML, to: "\(output)/\(valuesFile)", permissions: 0o644)
        var entry = RenderedRelease(
            name: release.name, namespace: release.namespace, repository: release.repository, chart: release.chart,
            version: release.version, rendered: false, chartPath: nil, manifest: nil, values: valuesFile, reason: nil,
            failed: false, objectCount: 0)
        switch try await charts.resolve(release, log: log) {
        case .unavailable(let why):
            entry.reason = why
            return entry
        case .found(let chartPath):
            entry.chartPath = chartPath
            let template = helm.template(
                release, chartDirectory: chartPath, valuesPath: "\(output)/\(valuesFile)", kubernetesVersion: kubernetesVersion)
            log.command(template.commandLine)
            // The manifest goes to its file, not the log: it can be thousands of lines.
            let result = try await runner.run(template, sink: nil, captureOutput: true)
            guard result.succeeded else {
                for line in result.standardErrorTail { log.write(line) }
                entry.failed = true
                entry.reason = Self.helmError(result.standardErrorTail) ?? "`\(template.commandLine)` \(result.exitDescription)"
                return entry
            }
            let manifest = "releases/\(Self.number(number))-\(release.name).yaml"
            try AtomicFile.write(result.standardOutput, to: "\(output)/\(manifest)", permissions: 0o644)
            entry.rendered = true
            entry.manifest = manifest
            entry.objectCount = Self.countObjects(result.standardOutput)
            return entry
        }
    }

    /// Only a folder that is empty, new, or an earlier render is written into: nothing else there is lost.
    func prepare(_ output: String) throws {
        switch fileKind(output) {
        case .missing:
            try AtomicFile.makeDirectory(output, permissions: 0o755)
        case .directory:
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            guard entries.isEmpty || entries.contains(Self.indexName) else {
                throw SlinkyError.invalidInput(
                    "\(output) is not empty and holds no earlier render (\(Self.indexName))",
                    hint: "pass --out with a new or empty folder, or one an earlier `slinky render` wrote")
            }
            // An earlier render's files go, so a release that is now off leaves no stale manifest.
            for folder in Self.ownedFolders { try? FileManager.default.removeItem(atPath: "\(output)/\(folder)") }
        default:
            throw SlinkyError.invalidInput("\(output) exists and is not a folder", hint: "pass --out with a folder")
        }
    }

    static func number(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func countObjects(_ manifest: String) -> Int {
        manifest.split(separator: "\n").filter { $0.hasPrefix("kind:") }.count
    }

    /// helm's own sentence ("execution error at (…): image repository is required").
    static func helmError(_ lines: [String]) -> String? {
        lines.first { $0.hasPrefix("Error:") }.map { String($0.dropFirst("Error:".count)).trimmingCharacters(in: .whitespaces) }
    }

    /// The Secret's shape with no value in it: slinky generates the values on the cluster at install.
    static func placeholderSecret(_ secret: GeneratedSecret) -> String {
        var lines = [
            "# Created by slinky at install with generated values; they are never written to a file.",
            "apiVersion: v1", "kind: Secret", "metadata:", "  name: \(secret.name)", "  namespace: \(secret.namespace)",
            "type: Opaque", "stringData:",
        ]
        lines += secret.keys.map { "  \($0): \"<generated at install>\"" }
        return lines.joined(separator: "\n") + "\n"
    }
}
