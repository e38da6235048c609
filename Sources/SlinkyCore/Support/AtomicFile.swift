import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash) only ever sees the old content or the new content.
///
/// The temporary file lives in the destination's own directory so the final `rename(2)` never crosses a
/// file system; the data is flushed before the rename so a power cut cannot leave an empty file behind.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, permissions: mode_t? = nil) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let dirForTemp = directory.isEmpty ? "." : directory
        var template = Array("\(dirForTemp)/.\(base).slinky-tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw SlinkyError.fileWrite(path: path, reason: String(cString: strerror(errno)))
        }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var succeeded = false
        defer {
            if !succeeded { unlink(tempPath) }
        }
        // Keep the mode of the file we replace (a user's blueprint stays as they set it) unless told otherwise.
        let mode: mode_t
        if let permissions {
            mode = permissions
        } else {
            var existing = stat()
            mode = stat(path, &existing) == 0 ? (existing.st_mode & 0o7777) : 0o644
        }
        guard fchmod(fd, mode) == 0 else {
            close(fd)
            throw SlinkyError.fileWrite(path: path, reason: String(cString: strerror(errno)))
        }
        let writeError: String? = data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let writeError {
            close(fd)
            throw SlinkyError.fileWrite(path: path, reason: writeError)
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SlinkyError.fileWrite(path: path, reason: reason)
        }
        close(fd)
        guard rename(tempPath, path) == 0 else {
            throw SlinkyError.fileWrite(path: path, reason: String(cString: strerror(errno)))
        }
        succeeded = true
        let dirFD = open(dirForTemp, O_RDONLY | O_DIRECTORY)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    public static func write(_ string: String, to path: String, permissions: mode_t? = nil) throws {
        try write(Data(string.utf8), to: path, permissions: permissions)
    }

    /// Creates a directory and its parents; private directories (state, keys) get 0700.
    public static func makeDirectory(_ path: String, permissions: mode_t = 0o755) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true,
                attributes: [.posixPermissions: NSNumber(value: permissions)])
        } catch {
            throw SlinkyError.fileWrite(path: path, reason: "cannot create directory (\(error.localizedDescription))")
        }
    }
}

#if canImport(Glibc)
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
private let posixWrite = Darwin.write
#endif
