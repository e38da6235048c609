import Foundation
import Testing
@testable import SlinkyCore

/// Starts a real OpenSSH server on 127.0.0.1 and logs in with a key slinky generated.
@Suite("A generated key logs in to a real sshd",
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && getuid() == 0,
                "needs openssh-server (scripts/bootstrap installs it) and root, as on the project's machines"))
struct SSHDLoginTests {
    @Test("sshd accepts a login with the ed25519 key SSHKeyStep's generator makes")
    func sshdAcceptsTheKey() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // Every child goes through slinky's own runner: Foundation's Process may never reap a child while
        // the rest of the suite runs, and a blocking wait would hold one of the few cooperative threads.
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        let key = dir.file("id_ed25519_slurm")
        try AtomicFile.write(pair.privateKeyPEM, to: key, permissions: 0o600)
        try AtomicFile.write(pair.publicKeyLine + "\n", to: dir.file("authorized_keys"), permissions: 0o600)
        let hostKey = dir.file("host_key")
        let keygen = try await runner.run(Invocation("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]))
        #expect(keygen.exitCode == 0)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)

        let port = try freeLoopbackPort()
        let pidFile = dir.file("sshd.pid")
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKey)
            AuthorizedKeysFile \(dir.file("authorized_keys"))
            PidFile \(pidFile)
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            """
        try config.write(toFile: dir.file("sshd_config"), atomically: true, encoding: .utf8)
        let server = Task {
            try await runner.run(Invocation("/usr/sbin/sshd", ["-D", "-e", "-f", dir.file("sshd_config")]))
        }
        defer {
            // Stopped by its PID, which sshd writes once it listens.
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }
        let listening = try await withDeadlockGuard(seconds: 30) {
            while !canConnect(port: port) || !FileManager.default.fileExists(atPath: pidFile) {
                try await Task.sleep(for: .milliseconds(100))
            }
            return true
        }
        #expect(listening)

        let login = try await withDeadlockGuard(seconds: 60) {
            try await runner.run(Invocation("/usr/bin/ssh", [
                "-i", key, "-p", String(port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
                "root@127.0.0.1", "echo", "logged-in",
            ]))
        }
        #expect(login.exitCode == 0, "ssh said: \(login.standardErrorTail.joined(separator: " "))")
        #expect(login.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "logged-in")
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        _ = try? await withDeadlockGuard(seconds: 30) { try await server.value }
    }
}

private func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw CocoaError(.fileNoSuchFile) }
    return Int(UInt16(bigEndian: address.sin_port))
}

private func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
