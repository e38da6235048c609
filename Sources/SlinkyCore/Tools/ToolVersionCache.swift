import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Versions of tools that answered before, remembered while their executable stays the same file.
///
/// Each start-up of the v1 aws CLI costs about half a second of Python, a third of a re-run that finds
/// everything done, and the Go tools add their own start-ups on a busy machine. The banner is only a record:
/// that the aws CLI works is proven every run by the STS call beside preflight, and terraform, kubectl and
/// helm are single binaries that change only when replaced, which changes the file identified here (an
/// upgrade, a reinstall, another PATH), and then they are asked again. `slinky doctor` always asks.
public struct ToolVersionCache: Sendable {
    public let path: String
    /// PATH as the children see it, so the file identified is the one that would run.
    let searchPath: String

    public init(path: String, searchPath: String) {
        self.path = path
        self.searchPath = searchPath
    }

    struct Entry: Codable, Equatable {
        var executable: String
        var identity: String
        var version: String
    }

    /// The version `tool` gave when the same executable last answered, or nil.
    public func version(of tool: String) -> String? { versions(of: [tool])[tool] }

    /// Each of `tools` whose same executable answered before, with that version; the file is read once.
    public func versions(of tools: [String]) -> [String: String] {
        let entries = load()
        var known: [String: String] = [:]
        for tool in tools {
            guard let entry = entries[tool], let current = Self.executableIdentity(tool, searchPath: searchPath),
                entry.executable == current.path, entry.identity == current.identity
            else { continue }
            known[tool] = entry.version
        }
        return known
    }

    /// Remembers each tool's version for the executable it resolves to now. A failure to write only costs
    /// the next run its probes, so it is not an error.
    public func record(_ versions: [String: String]) {
        var entries = load()
        let before = entries
        for (tool, version) in versions {
            guard let current = Self.executableIdentity(tool, searchPath: searchPath) else { continue }
            entries[tool] = Entry(executable: current.path, identity: current.identity, version: version)
        }
        guard entries != before else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(entries) else { return }
        // Only into a state folder a run already made: a dry run, which runs preflight, leaves no folder behind.
        guard FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent) else { return }
        try? AtomicFile.write(data, to: path, permissions: 0o600)
    }

    func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Entry].self, from: data)) ?? [:]
    }

    /// The file `tool` runs (symbolic links followed) and what changes when it is replaced: device, inode,
    /// size and modification time.
    static func executableIdentity(_ tool: String, searchPath: String) -> (path: String, identity: String)? {
        let candidates = tool.contains("/")
            ? [tool] : searchPath.split(separator: ":").map { "\($0.isEmpty ? "." : String($0))/\(tool)" }
        for candidate in candidates where access(candidate, X_OK) == 0 {
            guard let resolved = realpath(candidate, nil) else { continue }
            defer { free(resolved) }
            var info = stat()
            guard stat(resolved, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            #if canImport(Darwin)
            let modified = "\(info.st_mtimespec.tv_sec).\(info.st_mtimespec.tv_nsec)"
            #else
            let modified = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            #endif
            return (String(cString: resolved), "\(info.st_dev):\(info.st_ino):\(info.st_size):\(modified)")
        }
        return nil
    }
}
