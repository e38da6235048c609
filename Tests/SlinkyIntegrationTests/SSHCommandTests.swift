import Foundation
import Testing
import SlinkyCore

/// `slinky ssh` against a real OpenSSH server on a loopback port: `--host`/`--port` stand in for the login
/// load balancer, which only a real EKS cluster has.
@Suite("slinky ssh: first connection pins the host key, a changed key is refused", .serialized,
       .enabled(if: Sandbox.binary != nil && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && getuid() == 0,
                "needs SLINKY_BINARY, openssh-server and root"))
struct SSHCommandTests {
    /// A real sshd on 127.0.0.1 that accepts one key as root; stopped by its PID.
    /// Started through slinky's own runner (swift-subprocess), which closes every other descriptor in the
    /// child: an sshd started with Foundation's Process could keep a concurrent test's pipes open.
    final class LoopbackSSHD: Sendable {
        let port: Int
        let pidFile: String
        let server: Task<ProcessResult, any Error>

        init(directory: String, hostKey: String, authorizedKeys: String, port: Int) throws {
            self.port = port
            let config = "\(directory)/sshd_config-\(port)-\((hostKey as NSString).lastPathComponent)"
            pidFile = config + ".pid"
            try """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKey)
                AuthorizedKeysFile \(authorizedKeys)
                PidFile \(pidFile)
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                """.write(toFile: config, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
            server = Task { try await runner.run(Invocation("/usr/sbin/sshd", ["-D", "-e", "-f", config])) }
        }

        func waitUntilListening() async throws -> Bool {
            try await waitUntil(timeout: 30) { Self.canConnect(port: self.port) && FileManager.default.fileExists(atPath: self.pidFile) }
        }

        /// By the PID sshd wrote once it listened.
        func stop() async {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
            _ = try? await server.value
        }

        static func canConnect(port: Int) -> Bool {
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

        /// A port nobody listens on now, from the ephemeral range.
        static func freePort() -> Int {
            for _ in 0..<50 {
                let port = Int.random(in: 20000...40000)
                if !canConnect(port: port) { return port }
            }
            return 2222
        }
    }

    @Test("the first login pins the host key in the cluster's known_hosts and runs the command; a server with another key on the same host and port is refused with how to clear the pin")
    func pinsThenRefusesAChangedKey() async throws {
        let ws = try Workspace(prefix: "ssh")
        defer { ws.remove() }
        let keygen = { (path: String) async throws in
            let result = try await Runner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path])
            try #require(result.exitCode == 0, result.diagnostics)
        }
        try await keygen(ws.sshKey)
        try FileManager.default.copyItem(atPath: ws.sshKey + ".pub", toPath: ws.root + "/authorized_keys")
        try await keygen(ws.root + "/host_key_a")
        try await keygen(ws.root + "/host_key_b")
        let port = LoopbackSSHD.freePort()
        let arguments = ["ssh", "--name", ws.cluster, "--blueprint", ws.blueprint, "--state-dir", ws.stateBase,
                         "--ssh-key", ws.sshKey, "--host", "127.0.0.1", "--port", String(port)]
        let knownHosts = "\(ws.stateDirectory)/known_hosts"

        // --dry-run prints the exact command and connects nowhere.
        let dry = try await Runner.slinky(arguments + ["--dry-run", "--", "echo", "hi"])
        #expect(dry.exitCode == 0, dry.diagnostics)
        #expect(dry.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ssh -i \(ws.sshKey) -p \(port) -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\(knownHosts) -o GlobalKnownHostsFile=/dev/null root@127.0.0.1 echo hi")
        #expect(fileBytes(knownHosts) == nil)

        let first = try LoopbackSSHD(directory: ws.root, hostKey: ws.root + "/host_key_a", authorizedKeys: ws.root + "/authorized_keys", port: port)
        #expect(try await first.waitUntilListening())
        let login = try await Runner.slinky(arguments + ["--", "echo", "logged-in", "as", "$(id -un)"])
        await first.stop()
        #expect(login.exitCode == 0, login.diagnostics)
        #expect(login.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "logged-in as root")
        let pinned = try String(contentsOfFile: knownHosts, encoding: .utf8)
        let keyA = try String(contentsOfFile: ws.root + "/host_key_a.pub", encoding: .utf8).split(separator: " ")[1]
        // ssh may hash the host name (HashKnownHosts), so the pinned key is what can be checked.
        #expect(pinned.contains(keyA), "known_hosts: \(pinned)")

        // The remote command's exit status comes back as slinky's.
        let second = try LoopbackSSHD(directory: ws.root, hostKey: ws.root + "/host_key_b", authorizedKeys: ws.root + "/authorized_keys", port: port)
        #expect(try await second.waitUntilListening())
        let refused = try await Runner.slinky(arguments + ["--", "echo", "should-not-run"])
        #expect(refused.exitCode == 1, refused.diagnostics)
        #expect(!refused.stdout.contains("should-not-run"))
        #expect(refused.stderr.contains("presented a host key different from the one pinned for cluster \(ws.cluster)"), refused.diagnostics)
        #expect(refused.stderr.contains("ssh-keygen -R '[127.0.0.1]:\(port)' -f \(knownHosts)"), refused.diagnostics)
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == pinned, "the pin is not replaced")

        // After clearing the pin as told, the new key is pinned and a failing remote command's status passes through.
        let clear = try await Runner.run("/usr/bin/ssh-keygen", ["-R", "[127.0.0.1]:\(port)", "-f", knownHosts])
        #expect(clear.exitCode == 0, clear.diagnostics)
        let again = try await Runner.slinky(arguments + ["--", "exit", "7"])
        #expect(again.exitCode == 7, again.diagnostics)
        await second.stop()
    }

    @Test("a cluster with no record, or one whose install has not reached the access step, is named as not installed (exit 3)")
    func notInstalledIsExplained() async throws {
        let ws = try Workspace(prefix: "sshni")
        defer { ws.remove() }
        let base = ["ssh", "--name", ws.cluster, "--blueprint", ws.blueprint, "--state-dir", ws.stateBase, "--region", "us-west-2", "--dry-run"]
        let none = try await Runner.slinky(base)
        #expect(none.exitCode == 3, none.diagnostics)
        #expect(none.stderr.contains("cluster \(ws.cluster) is not installed"), none.diagnostics)

        // A journal whose install stopped before the access step (written by hand, as an earlier run would).
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true)
        try """
            {"version": 1, "cluster": "\(ws.cluster)", "install": {"preflight": {"state": "succeeded", "outputs": {}}}, "cleanup": {}}
            """.write(toFile: ws.journalPath, atomically: true, encoding: .utf8)
        let partial = try await Runner.slinky(base)
        #expect(partial.exitCode == 3, partial.diagnostics)
        #expect(partial.stderr.contains("is not fully installed: step access"), partial.diagnostics)

        // One that recorded its login hostname connects there.
        try """
            {"version": 1, "cluster": "\(ws.cluster)", "install": {"access": {"state": "succeeded", "outputs": {"login_hostname": "login-0123.elb.us-west-2.amazonaws.com"}}}, "cleanup": {}}
            """.write(toFile: ws.journalPath, atomically: true, encoding: .utf8)
        let recorded = try await Runner.slinky(base)
        #expect(recorded.exitCode == 0, recorded.diagnostics)
        #expect(recorded.stdout.contains(" -p 22 ") && recorded.stdout.hasSuffix("root@login-0123.elb.us-west-2.amazonaws.com\n"), recorded.diagnostics)
    }
}
