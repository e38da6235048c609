import Foundation

extension String {
    /// Expands a leading `~` the way a shell would, so paths from flags and environment variables behave alike.
    public var expandingTilde: String { (self as NSString).expandingTildeInPath }

    /// An absolute, tilde-expanded path, resolved against `base` when relative.
    public func absolutePath(relativeTo base: String) -> String {
        let expanded = expandingTilde
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
