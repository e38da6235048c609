import Foundation
import Testing
@testable import SlinkyCore

private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? NSNumber).intValue
}

private func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

/// A PID that no process has right now.
private func deadPID() -> Int32 {
    var candidate: Int32 = 2_000_000_000
    while kill(candidate, 0) == 0 || errno != ESRCH { candidate -= 1 }
    return candidate
}

@Suite("ClusterLock")
struct ClusterLockTests {
    @Test("a second acquire on a held lock fails with .locked naming the holder's PID and command")
    func secondAcquireFails() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("cluster.lock")
        let first = ClusterLock(path: path)
        try first.acquire(cluster: "demo", command: "slinky install")
        defer { first.release() }

        let second = ClusterLock(path: path)
        let error = #expect(throws: SlinkyError.self) { try second.acquire(cluster: "demo", command: "slinky cleanup") }
        guard case .locked(let cluster, let pid, _, let command)? = error else {
            Issue.record("expected .locked, got \(String(describing: error))")
            return
        }
        #expect(cluster == "demo")
        #expect(pid == getpid())
        #expect(command == "slinky install")
        #expect(error?.message.contains("PID \(getpid())") == true)
        #expect(error?.exitStatus == .locked)
        #expect(second.tookOverFrom == nil)
    }

    @Test("after release the lock can be acquired again, and a clean release leaves nobody to take over from")
    func releaseThenAcquire() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("cluster.lock")
        let first = ClusterLock(path: path)
        try first.acquire(cluster: "demo", command: "slinky install")
        first.release()
        let second = ClusterLock(path: path)
        try second.acquire(cluster: "demo", command: "slinky cleanup")
        defer { second.release() }
        #expect(second.tookOverFrom == nil)
        let holder = try JSONDecoder().decode(ClusterLock.Holder.self, from: try #require(FileManager.default.contents(atPath: path)))
        #expect(holder.pid == getpid())
        #expect(holder.command == "slinky cleanup")
    }

    @Test("a lock file left by a dead process is taken over, and tookOverFrom names the old PID")
    func takeOverFromDeadHolder() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("cluster.lock")
        let dead = deadPID()
        let stale = ClusterLock.Holder(pid: dead, command: "slinky install", startedAt: Date(timeIntervalSinceNow: -3600), host: "old-host")
        try JSONEncoder().encode(stale).write(to: URL(fileURLWithPath: path))

        let lock = ClusterLock(path: path)
        try lock.acquire(cluster: "demo", command: "slinky install")
        defer { lock.release() }
        #expect(lock.tookOverFrom?.pid == dead)
        #expect(lock.tookOverFrom?.command == "slinky install")
        let holder = try JSONDecoder().decode(ClusterLock.Holder.self, from: try #require(FileManager.default.contents(atPath: path)))
        #expect(holder.pid == getpid())
    }

    @Test("the lock is a kernel flock another process can see: flock -n fails while held and succeeds after release")
    func visibleToOtherProcesses() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("cluster.lock")
        let lock = ClusterLock(path: path)
        try lock.acquire(cluster: "demo", command: "slinky install")
        let whileHeld = try await runTool("/usr/bin/flock", ["-n", path, "true"])
        #expect(whileHeld.status != 0)
        lock.release()
        let afterRelease = try await runTool("/usr/bin/flock", ["-n", path, "true"])
        #expect(afterRelease.status == 0)
    }

    @Test("a lock is released when its owner goes away")
    func releasedOnDeinit() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("cluster.lock")
        do {
            let scoped = ClusterLock(path: path)
            try scoped.acquire(cluster: "demo", command: "slinky install")
        }
        let next = ClusterLock(path: path)
        try next.acquire(cluster: "demo", command: "slinky install")
        next.release()
    }
}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("the content is replaced fully, also by a shorter one")
    func replacesContent() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("file.txt")
        try AtomicFile.write("a long first version\nwith two lines\n", to: path)
        try AtomicFile.write("short", to: path)
        #expect(contents(path) == "short")
    }

    @Test("an existing file keeps its permissions when none are given")
    func keepsMode() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("blueprint.tfvars")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o640)
        try AtomicFile.write("new", to: path)
        #expect(try mode(path) == 0o640)
        #expect(contents(path) == "new")
    }

    @Test("explicit 0600 is applied, to a new file and over an existing 0644 one")
    func explicitMode() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fresh = dir.file("fresh")
        try AtomicFile.write("x", to: fresh, permissions: 0o600)
        #expect(try mode(fresh) == 0o600)
        let existing = dir.file("existing")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        chmod(existing, 0o644)
        try AtomicFile.write("y", to: existing, permissions: 0o600)
        #expect(try mode(existing) == 0o600)
    }

    @Test("a new file without explicit permissions gets 0644 regardless of the umask")
    func defaultMode() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("new")
        try AtomicFile.write("x", to: path)
        #expect(try mode(path) == 0o644)
    }

    @Test("no temporary files are left in the directory after success")
    func noTempFiles() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("target")
        for i in 0..<5 { try AtomicFile.write("version \(i)", to: path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["target"])
    }

    @Test("a write into a read-only directory throws and leaves the original file unchanged",
          .enabled(if: getuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let sub = dir.file("locked")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        let path = (sub as NSString).appendingPathComponent("file")
        try Data("original".utf8).write(to: URL(fileURLWithPath: path))
        chmod(sub, 0o500)
        defer { chmod(sub, 0o700) }
        let error = #expect(throws: SlinkyError.self) { try AtomicFile.write("replacement", to: path) }
        if case .fileWrite(let failedPath, _)? = error { #expect(failedPath == path) } else { Issue.record("expected fileWrite") }
        #expect(contents(path) == "original")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sub) == ["file"])
    }

    @Test("a write whose parent is a regular file throws fileWrite and leaves that file unchanged")
    func parentIsAFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let parent = dir.file("not-a-directory")
        try Data("original".utf8).write(to: URL(fileURLWithPath: parent))
        let path = (parent as NSString).appendingPathComponent("file")
        let error = #expect(throws: SlinkyError.self) { try AtomicFile.write("replacement", to: path) }
        if case .fileWrite(let failedPath, let reason)? = error {
            #expect(failedPath == path)
            #expect(!reason.isEmpty)
        } else {
            Issue.record("expected fileWrite, got \(String(describing: error))")
        }
        #expect(contents(parent) == "original")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["not-a-directory"])
    }

    @Test("a failed rename (target is a directory) throws, leaves the directory alone and removes the temp file")
    func renameFailureCleansUp() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let target = dir.file("target")
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        #expect(throws: SlinkyError.self) { try AtomicFile.write("x", to: target) }
        #expect(fileKind(target) == .directory)
        #expect(fileKind(target + "/inside") == .directory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["target"])
    }

    @Test("makeDirectory creates parents with the requested mode")
    func makeDirectory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("a/b/state")
        try AtomicFile.makeDirectory(path, permissions: 0o700)
        #expect(fileKind(path) == .directory)
        #expect(try mode(path) == 0o700)
    }
}
