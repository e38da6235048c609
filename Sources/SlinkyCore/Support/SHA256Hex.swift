import Crypto
import Foundation

public enum SHA256Hex {
    public static func hash(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A stable hash of a directory tree: relative paths, modes and contents, in sorted order.
    public static func hashTree(_ root: String, excluding excluded: Set<String> = [".terraform", ".git"]) -> String {
        var hasher = SHA256()
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: root) else { return hash(Data()) }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if excluded.contains(name) {
                enumerator.skipDescendants()
                continue
            }
            if fileKind((root as NSString).appendingPathComponent(relative)) == .file { files.append(relative) }
        }
        for relative in files.sorted() {
            let full = (root as NSString).appendingPathComponent(relative)
            hasher.update(data: Data(relative.utf8))
            hasher.update(data: Data([0]))
            if let contents = fm.contents(atPath: full) { hasher.update(data: contents) }
            hasher.update(data: Data([0]))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
