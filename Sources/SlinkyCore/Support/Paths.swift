import Foundation

extension String {
    /// Expands a leading `~` the way a shell would: from `$HOME` when it is set, so a run with HOME pointed
    /// elsewhere (CI runners, containers) keeps its files there. Foundation's own expansion on Linux reads the
    /// passwd entry instead and ignores HOME; it is only asked about `~user`, which the shell also looks up.
    public func expandingTilde(home: String? = ProcessInfo.processInfo.environment["HOME"]) -> String {
        guard hasPrefix("~") else { return self }
        let rest = dropFirst()
        guard rest.isEmpty || rest.hasPrefix("/") else { return (self as NSString).expandingTildeInPath }
        guard let home, !home.isEmpty else { return (self as NSString).expandingTildeInPath }
        let base = home.count > 1 && home.hasSuffix("/") ? String(home.dropLast()) : home
        return base + rest
    }

    /// An absolute, tilde-expanded path, resolved against `base` when relative; `home` is what `~` means.
    public func absolutePath(relativeTo base: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> String {
        let expanded = expandingTilde(home: home)
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        return ((base as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }
}

public enum FileKind: Equatable, Sendable {
    case missing, file, directory
}

public func fileKind(_ path: String) -> FileKind {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
    return isDirectory.boolValue ? .directory : .file
}
