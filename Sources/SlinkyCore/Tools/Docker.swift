import Foundation

/// The Docker CLI: daemon check, registry logins with the password on stdin, build, push.
public struct Docker: Sendable {
    public let runner: ProcessRunner

    public init(runner: ProcessRunner) { self.runner = runner }

    @discardableResult
    func run(_ invocation: Invocation, log: StepLog, hint: String? = nil) async throws -> ProcessResult {
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        guard result.succeeded else {
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: invocation.commandLine, exitDescription: result.exitDescription,
                stderrTail: result.standardErrorTail, logPath: log.path, hint: hint))
        }
        return result
    }

    public static let serverVersionInvocation = Invocation("docker", ["version", "--format", "{{.Server.Version}}"])

    /// The daemon's version, or a clear "not running" error (the client alone is not enough to build).
    public func serverVersion(log: StepLog) async throws -> String {
        let invocation = Self.serverVersionInvocation
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        let version = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, !version.isEmpty else {
            let detail = result.standardErrorTail.last { !$0.isEmpty } ?? "no answer from the daemon"
            throw SlinkyError.serviceUnavailable(
                what: "the Docker daemon", detail: detail,
                hint: "start Docker (or point DOCKER_HOST at a running daemon), or pass --skip-build to use an image already in ECR")
        }
        return version
    }

    public func hasBuildx(log: StepLog) async -> Bool {
        let invocation = Invocation("docker", ["buildx", "version"])
        log.command(invocation.commandLine)
        return (try? await runner.run(invocation, sink: log).succeeded) ?? false
    }

    public static func login(registry: String, password: Secret) -> Invocation {
        Invocation("docker", ["login", "--username", "AWS", "--password-stdin", registry], standardInput: password)
    }

    public func login(registry: String, password: Secret, log: StepLog) async throws {
        try await run(Self.login(registry: registry, password: password), log: log,
                      hint: "check that your credentials can call ecr:GetAuthorizationToken for \(registry)")
    }

    public struct BuildRequest: Sendable, Hashable {
        public var dockerfile: String
        public var context: String
        public var imageReference: String
        public var buildArguments: [String: String]
        public var labels: [String: String]
        /// The nodes are x86 GPU instances, so every build targets amd64, also on an Apple Silicon laptop.
        public var platform = "linux/amd64"
        /// A registry cache reference (buildx only).
        public var cacheReference: String?
    }

    public static func build(_ request: BuildRequest, buildx: Bool) -> Invocation {
        var args = buildx ? ["buildx", "build", "--load"] : ["build"]
        args += ["--platform", request.platform, "--file", request.dockerfile, "--tag", request.imageReference]
        for (key, value) in request.buildArguments.sorted(by: { $0.key < $1.key }) { args += ["--build-arg", "\(key)=\(value)"] }
        for (key, value) in request.labels.sorted(by: { $0.key < $1.key }) { args += ["--label", "\(key)=\(value)"] }
        if buildx, let cache = request.cacheReference {
            args += ["--cache-from", "type=registry,ref=\(cache)",
                     "--cache-to", "type=registry,ref=\(cache),mode=max,image-manifest=true,oci-mediatypes=true"]
        }
        args.append(request.context)
        // Without buildx the classic builder is the only one that works; say so instead of letting the CLI fail.
        return Invocation("docker", args, environment: buildx ? [:] : ["DOCKER_BUILDKIT": "0"])
    }

    public func build(_ request: BuildRequest, buildx: Bool, log: StepLog) async throws {
        try await run(Self.build(request, buildx: buildx), log: log,
                      hint: "fix the Dockerfile or build context (see the log), then run again")
    }

    /// Pushes and returns the manifest digest the registry acknowledged.
    public func push(_ reference: String, log: StepLog) async throws -> String {
        let result = try await run(Invocation("docker", ["push", reference]), log: log,
                                   hint: "check the registry login and network, then run again; layers already pushed are kept")
        for line in result.standardOutput.split(separator: "\n").reversed() {
            if let range = line.range(of: "digest: sha256:") {
                let digest = line[range.lowerBound...].dropFirst("digest: ".count).prefix { !$0.isWhitespace }
                return String(digest)
            }
        }
        throw SlinkyError.commandFailed(CommandFailure(
            commandLine: "docker push \(reference)", exitDescription: "did not report a digest",
            stderrTail: [], logPath: log.path))
    }
}
