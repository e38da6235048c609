import ArgumentParser
import Foundation
import SlinkyCore

struct SSH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Log in to the cluster's login node as root with the cluster's key, or run a command there.",
        discussion: """
            The host is the login load balancer the install recorded (step access), else the cluster is asked. \
            The first connection pins the login node's host key in <state>/<cluster>/known_hosts; a later \
            different key is refused, with how to clear the pin after a reinstall. Everything after `--` runs \
            on the login node (as ssh runs it: joined with spaces, through the remote shell). \
            Exit: the remote command's status (255: ssh itself failed), 3 the cluster is not installed or has \
            no login hostname yet, 1 host key changed, 65 no key.
            """)

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    @Option(name: .customLong("ssh-key"), help: "Private key the cluster was installed with (env: SLINKY_SSH_KEY; default: ~/.ssh/id_ed25519_slurm).")
    var sshKey: String?

    @Option(name: .long, help: "Connect to this host instead of the recorded login hostname (an SSH tunnel or a private DNS name); the key is still pinned per cluster.")
    var host: String?

    @Option(name: .long, help: "SSH port (default: 22, the login load balancer's).")
    var port: Int = 22

    @Flag(name: .customLong("dry-run"), help: "Print the exact ssh command and do not connect.")
    var dryRun = false

    @Argument(parsing: .postTerminator, help: "The command to run on the login node, after `--`.")
    var command: [String] = []

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535, not \(port)") }
    }

    func run() async throws {
        let (_, format, runner) = try cluster.start()
        var raw = cluster.raw
        raw.sshKey = sshKey
        let settings = try await CommandSupport.settings(raw, command: "ssh", format: format, runner: runner)
        let override = self.host
        let host = try await CommandSupport.reporting("ssh", format: format) { () async throws -> String in
            if let override, !override.isEmpty { return override }
            let (journal, location) = try await CommandSupport.journal(settings, command: "ssh", format: format, runner: runner)
            return try await LoginHost.resolve(
                journal: journal, settings: settings, location: location,
                clusterAPI: ClusterEnvironment(settings: settings, runner: runner).clusterAPI)
        }
        let login = LoginSSH(
            host: host, port: port, keyPath: settings.sshKeyPath,
            knownHostsPath: LoginSSH.knownHostsPath(stateDirectory: settings.stateDirectory), command: command)
        if dryRun {
            if format == .json {
                JSONLines.emit([
                    "event": "ssh", "cluster": settings.cluster, "host": host, "port": port,
                    "knownHosts": login.knownHostsPath, "command": login.invocation.commandLine,
                ])
            } else {
                FileHandle.standardOutput.write(Data((login.invocation.commandLine + "\n").utf8))
            }
            return
        }
        let result = try await CommandSupport.reporting("ssh", format: format) { () async throws -> ProcessResult in
            guard fileKind(settings.sshKeyPath) == .file else {
                throw SlinkyError.sshKey(
                    path: settings.sshKeyPath, problem: "there is no such key file",
                    hint: "pass --ssh-key with the key the cluster was installed with")
            }
            // known_hosts lives beside the journal; a machine that only reads a shared cluster may not have the folder yet.
            try AtomicFile.makeDirectory(settings.stateDirectory, permissions: 0o700)
            return try await runner.runAttached(login.invocation)
        }
        if let refusal = login.hostKeyRefusal(result, cluster: settings.cluster) {
            throw CommandSupport.fail(refusal, format: format, command: "ssh")
        }
        if !result.succeeded { throw ExitCode(result.exitCode ?? 255) }
    }
}
