import Foundation

/// Where the unpacked chart of a release comes from: this checkout (slinky's own chart), a folder of
/// unpacked charts (`--charts`, for offline use), or the chart's registry at its pinned version, cached.
public struct ChartSource: Sendable {
    public enum Resolution: Sendable, Equatable {
        case found(String)
        /// Why the chart is not available; the other releases can still be rendered.
        case unavailable(String)
    }

    let runner: ProcessRunner
    let layerDirectory: String
    /// Unpacked charts, searched by their Chart.yaml name and version.
    let offlineDirectory: String?
    /// Pulled charts, one folder per chart and version.
    let cacheDirectory: String
    let helm = Helm()

    public init(runner: ProcessRunner, layerDirectory: String, offlineDirectory: String?, cacheDirectory: String) {
        self.runner = runner
        self.layerDirectory = layerDirectory
        self.offlineDirectory = offlineDirectory
        self.cacheDirectory = cacheDirectory
    }

    /// `$XDG_CACHE_HOME/slinky/charts`, else `~/.cache/slinky/charts`.
    public static func defaultCacheDirectory(environment: [String: String]) -> String {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.cache"
        return "\(base)/slinky/charts"
    }

    public func resolve(_ release: HelmRelease, log: StepLog) async throws -> Resolution {
        if release.isLocalChart {
            let path = "\(layerDirectory)/\(release.chart)"
            return fileKind("\(path)/Chart.yaml") == .file ? .found(path) : .unavailable("\(path) has no Chart.yaml")
        }
        if let offlineDirectory {
            if let path = Self.findChart(named: release.chartName, version: release.version, under: offlineDirectory) {
                return .found(path)
            }
            return .unavailable("no offline copy of \(release.chartName) \(release.version) in \(offlineDirectory)")
        }
        let target = "\(cacheDirectory)/\(release.chartName)-\(release.version)"
        if fileKind("\(target)/\(release.chartName)/Chart.yaml") == .file { return .found("\(target)/\(release.chartName)") }
        // Unpacked beside the target and renamed into place, so an interrupted pull never looks complete.
        let partial = "\(target).partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: partial)
        try AtomicFile.makeDirectory(partial, permissions: 0o755)
        let pull = helm.pull(release, into: partial)
        log.command(pull.commandLine)
        let result = try await runner.run(pull, sink: log)
        guard result.succeeded else {
            try? FileManager.default.removeItem(atPath: partial)
            let why = result.standardErrorTail.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? result.exitDescription
            return .unavailable("`\(pull.commandLine)` failed: \(why)")
        }
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.moveItem(atPath: partial, toPath: target)
        return .found("\(target)/\(release.chartName)")
    }

    /// A chart folder below `root` (a few levels deep) whose Chart.yaml has this name and version.
    static func findChart(named name: String, version: String, under root: String) -> String? {
        let wanted = version.hasPrefix("v") ? String(version.dropFirst()) : version
        var queue: [(String, Int)] = [(root, 0)]
        while !queue.isEmpty {
            let (folder, depth) = queue.removeFirst()
            let chartFile = "\(folder)/Chart.yaml"
            if let text = try? String(contentsOfFile: chartFile, encoding: .utf8) {
                let fields = topLevelFields(text)
                let found = fields["version"].map { $0.hasPrefix("v") ? String($0.dropFirst()) : $0 }
                if fields["name"] == name && found == wanted { return folder }
                // A chart's own charts/ folder holds its dependencies, not charts to deploy.
                continue
            }
            guard depth < 4, let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries.sorted() where !entry.hasPrefix(".") && fileKind("\(folder)/\(entry)") == .directory {
                queue.append(("\(folder)/\(entry)", depth + 1))
            }
        }
        return nil
    }

    /// `key: value` lines at the top level of a Chart.yaml, quotes removed.
    static func topLevelFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let first = line.first, first != " ", first != "#", first != "-",
                let colon = line.firstIndex(of: ":")
            else { continue }
            let key = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if let hash = value.range(of: " #") { value = String(value[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
            value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }
}
