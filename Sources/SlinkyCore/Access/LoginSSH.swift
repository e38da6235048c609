import Foundation

/// How `slinky ssh` reaches the login node: as root, with the cluster's key, trusting only the host key
/// it pinned for this cluster on the first connection.
public struct LoginSSH: Sendable {
    public var host: String
    public var port: Int
    public var keyPath: String
    /// Per cluster, under its state folder: a host key pinned for one cluster never vouches for another.
    public var knownHostsPath: String
    /// Passed to the remote shell as ssh passes it (joined with spaces); empty: an interactive login.
    public var command: [String]
    public static let user = "root"

    public init(host: String, port: Int, keyPath: String, knownHostsPath: String, command: [String]) {
        self.host = host
        self.port = port
        self.keyPath = keyPath
        self.knownHostsPath = knownHostsPath
        self.command = command
    }

    public static func knownHostsPath(stateDirectory: String) -> String { "\(stateDirectory)/known_hosts" }

    public var invocation: Invocation {
        Invocation("ssh", [
            "-i", keyPath, "-p", String(port),
            // Only this key: an agent full of other keys would use up the server's attempts first.
            "-o", "IdentitiesOnly=yes",
            // accept-new: the first connection pins the key, a changed key is refused.
            "-o", "StrictHostKeyChecking=accept-new",
            "-o", "UserKnownHostsFile=\(knownHostsPath)",
            // The machine's own list must not vouch for a login node either.
            "-o", "GlobalKnownHostsFile=/dev/null",
            "\(Self.user)@\(host)",
        ] + command)
    }

    /// How ssh names the host in known_hosts, for `ssh-keygen -R`.
    public var knownHostsName: String { port == 22 ? host : "[\(host)]:\(port)" }

    /// ssh refused because the host key differs from the pinned one; nil for any other outcome.
    public func hostKeyRefusal(_ result: ProcessResult, cluster: String) -> SlinkyError? {
        guard result.exitCode == 255,
            result.standardErrorTail.contains(where: { $0.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || $0.contains("Host key verification failed") })
        else { return nil }
        return .precondition(
            "the login host \(host):\(port) presented a host key different from the one pinned for cluster \(cluster) in \(knownHostsPath) on the first connection; ssh refused to connect",
            hint: "if the login node was re-created (a reinstall gives it a new host key), remove the pinned key with `ssh-keygen -R '\(knownHostsName)' -f \(knownHostsPath)` and run `slinky ssh` again; otherwise do not connect: someone may be intercepting the connection")
    }
}

/// Where the login node is, from what an install recorded, or from the cluster itself.
public enum LoginHost {
    /// The access step's `login_hostname`, else the cluster's answer (the load balancer may have got its
    /// name after the install finished). Every way of not having one is an error naming what is missing.
    public static func resolve(journal: Journal?, settings: ClusterSettings, location: String, clusterAPI: any ClusterAPI) async throws -> String {
        let nameFlag = settings.cluster == ClusterSettings.defaultCluster ? "" : " --name \(settings.cluster)"
        guard let journal else {
            throw SlinkyError.notInstalled(
                cluster: settings.cluster, missing: "is not installed: slinky has no record of it in \(location)",
                hint: "run `slinky install\(nameFlag)` first, or pass the --state-dir, --state-bucket or --region it was installed with")
        }
        guard let access = journal.install[StepID.access.rawValue], access.state == .succeeded else {
            throw SlinkyError.notInstalled(
                cluster: settings.cluster, missing: "is not fully installed: step \(StepID.access) (the login details) has not run",
                hint: "run `slinky install\(nameFlag)` to finish the install; `slinky status\(nameFlag)` shows where it stopped")
        }
        if let host = access.outputs["login_hostname"], !host.isEmpty { return host }
        let detail: String
        do {
            if let host = try await clusterAPI.loginHostname(log: .discard(stepID: .access)), !host.isEmpty { return host }
            detail = "the login load balancer has no hostname yet"
        } catch let unreachable as ClusterUnreachable {
            detail = "the install recorded none and the cluster could not be asked (\(unreachable.detail))"
        }
        throw SlinkyError.notInstalled(
            cluster: settings.cluster, missing: "has no login hostname yet: \(detail)",
            hint: "AWS may still be provisioning the login load balancer: wait a few minutes and run `slinky ssh\(nameFlag)` again, or pass --host")
    }
}
