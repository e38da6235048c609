import Foundation

/// Builds, pushes and checks the slurmd image. The install pipeline's image step and `slinky image
/// build|push|verify` both go through this one service, so they log in, build and push the same way.
public struct ImageBuilder: Sendable {
    public let aws: AWSCLI
    public let docker: Docker
    /// ECR's API can lag the registry a moment after a push; this is how long slinky waits for it to agree.
    public var digestPollAttempts = 20
    public var digestPollInterval: Duration = .milliseconds(500)

    public init(aws: AWSCLI, docker: Docker) {
        self.aws = aws
        self.docker = docker
    }

    public init(env: ClusterEnvironment) {
        self.init(aws: env.aws, docker: env.docker)
    }

    var runner: ProcessRunner { docker.runner }

    // MARK: - ECR

    public static func describeRepositoryArguments(_ repositoryName: String) -> [String] {
        ["ecr", "describe-repositories", "--repository-names", repositoryName]
    }

    public static func describeImageArguments(repositoryName: String, tag: String) -> [String] {
        ["ecr", "describe-images", "--repository-name", repositoryName, "--image-ids", "imageTag=\(tag)"]
    }

    /// The repository's URI, or nil when ECR has no such repository.
    public func repositoryURI(_ repositoryName: String, log: StepLog) async throws -> String? {
        switch try await aws.call(Self.describeRepositoryArguments(repositoryName), log: log) {
        case .success(let text):
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["repositories"] as? [[String: Any]])?.first?["repositoryUri"] as? String
        case .failure(let failure) where failure.code == "RepositoryNotFoundException":
            return nil
        case .failure(let failure):
            throw failure.asError
        }
    }

    /// The repository's URI; a missing repository is an error that says how to get one.
    public func requireRepositoryURI(_ repositoryName: String, log: StepLog) async throws -> String {
        guard let uri = try await repositoryURI(repositoryName, log: log) else {
            throw SlinkyError.precondition(
                "the ECR repository \(repositoryName) does not exist in \(aws.region)",
                hint: "run slinky install or create it (`aws ecr create-repository --repository-name \(repositoryName) --region \(aws.region)`), or pass --repo-name with an existing repository")
        }
        return uri
    }

    /// The digest ECR reports for the tag, or nil when the tag (or the repository) is not there.
    public func remoteDigest(repositoryName: String, tag: String, log: StepLog) async throws -> String? {
        switch try await aws.call(Self.describeImageArguments(repositoryName: repositoryName, tag: tag), log: log) {
        case .success(let text):
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["imageDetails"] as? [[String: Any]])?.first?["imageDigest"] as? String
        case .failure(let failure) where failure.code == "ImageNotFoundException" || failure.code == "RepositoryNotFoundException":
            return nil
        case .failure(let failure):
            throw failure.asError
        }
    }

    // MARK: - Registry logins

    /// Registries in the Dockerfile's FROM lines and ARG defaults that are ECR registries needing a login
    /// (the AWS Deep Learning Containers registry in the real Dockerfile; none in the sandbox one).
    public static func baseRegistries(dockerfile: String) -> [String] {
        var registries: [String] = []
        for line in dockerfile.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" }).map(String.init)
            guard let first = words.first?.uppercased(), first == "FROM" || first == "ARG" else { continue }
            for word in words.dropFirst() {
                let host = word.split(separator: "/").first.map(String.init) ?? ""
                if host.range(of: #"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$"#, options: .regularExpression) != nil,
                    !registries.contains(host)
                {
                    registries.append(host)
                }
            }
        }
        return registries
    }

    /// "us-east-1" from "763104351884.dkr.ecr.us-east-1.amazonaws.com": a base registry may be in another region.
    public static func region(ofRegistry host: String) -> String? {
        let parts = host.split(separator: ".")
        return parts.count > 3 ? String(parts[3]) : nil
    }

    /// `aws ecr get-login-password | docker login --password-stdin`, as one line for `--dry-run`.
    public func plannedLogin(registry: String) -> String {
        aws.invocation(["ecr", "get-login-password"], region: Self.region(ofRegistry: registry)).commandLine
            + " | " + Docker.login(registry: registry, password: Secret("")).commandLine
    }

    /// Logs Docker in to an ECR registry. The password goes from the AWS CLI's stdout to docker's stdin;
    /// it is registered with the redactor first, so even a tool that echoes it cannot put it in a log.
    public func login(registry: String, log: StepLog) async throws {
        let region = Self.region(ofRegistry: registry)
        let arguments = ["ecr", "get-login-password"]
        // No log sink: the password is the whole of stdout and must not reach the log before it is redacted.
        switch try await aws.call(arguments, region: region, log: nil) {
        case .success(let text):
            let secret = Secret(text.trimmingCharacters(in: .whitespacesAndNewlines))
            runner.redactor.register(secret)
            log.command(aws.invocation(arguments, region: region).commandLine + "   # output redacted")
            try await docker.login(registry: registry, password: secret, log: log)
        case .failure(let failure):
            throw failure.asError
        }
    }

    /// Logs in to every ECR registry the Dockerfile pulls from, except `ownRegistry` (logged in separately).
    public func loginToBaseRegistries(of recipe: ImageRecipe, except ownRegistry: String?, log: StepLog) async throws {
        for registry in Self.baseRegistries(dockerfile: recipe.dockerfileText) where registry != ownRegistry {
            try await login(registry: registry, log: log)
        }
    }

    // MARK: - Local images

    public static func inspectInvocation(_ reference: String) -> Invocation {
        Invocation("docker", ["image", "inspect", "--format", "{{json .}}", reference])
    }

    /// The local image `reference` names, or nil when the engine has none by that name.
    public func localImage(_ reference: String, log: StepLog) async throws -> LocalImage? {
        let invocation = Self.inspectInvocation(reference)
        log.command(invocation.commandLine)
        // Not streamed to the log: inspect prints the whole image configuration, which says nothing useful there.
        let result = try await runner.run(invocation)
        if result.succeeded, let image = LocalImage.parse(inspectJSON: result.standardOutput) {
            log.write("local image \(reference): \(image.id)")
            return image
        }
        let stderr = result.standardErrorTail.joined(separator: "\n").lowercased()
        if stderr.contains("no such image") || stderr.contains("no such object") {
            log.write("no local image \(reference)")
            return nil
        }
        throw SlinkyError.commandFailed(CommandFailure(
            commandLine: invocation.commandLine, exitDescription: result.exitDescription,
            stderrTail: result.standardErrorTail, logPath: log.path))
    }

    public static func pullInvocation(_ reference: String, platform: String = "linux/amd64") -> Invocation {
        Invocation("docker", ["pull", "--platform", platform, reference])
    }

    // MARK: - Build

    public struct BuildResult: Sendable, Equatable {
        /// False when the local image already was the build of these inputs and `--rebuild` was not given.
        public var built: Bool
        public var imageID: String
        public var usedBuildx: Bool
        public var fingerprint: String
    }

    /// The exact `docker build` a build runs: buildx with the registry cache beside the image when buildx is
    /// there, the classic builder (DOCKER_BUILDKIT=0, no cache flags) when not.
    public static func buildInvocation(_ recipe: ImageRecipe, target: ImageTarget, buildx: Bool) -> Invocation {
        Docker.build(recipe.buildRequest(reference: target.reference, cacheReference: buildx ? target.cacheReference : nil), buildx: buildx)
    }

    /// Builds `recipe` as `target.reference`, unless the local image already carries this recipe's
    /// fingerprint (and `force` is off).
    public func build(_ recipe: ImageRecipe, target: ImageTarget, force: Bool, log: StepLog) async throws -> BuildResult {
        let fingerprint = recipe.fingerprint
        if !force, let local = try await localImage(target.reference, log: log), local.buildFingerprint == fingerprint {
            log.write("\(target.reference) is already the build of these inputs (\(ImageRecipe.fingerprintLabel)=\(fingerprint))")
            return BuildResult(built: false, imageID: local.id, usedBuildx: false, fingerprint: fingerprint)
        }
        try await loginToBaseRegistries(of: recipe, except: target.registry, log: log)
        let buildx = await docker.hasBuildx(log: log)
        // buildx reads and writes its cache in the target repository during the build, so it needs the
        // login first; the classic builder only needs it for the push.
        if buildx { try await login(registry: target.registry, log: log) }
        try await docker.build(recipe.buildRequest(reference: target.reference, cacheReference: buildx ? target.cacheReference : nil),
                               buildx: buildx, log: log)
        guard let built = try await localImage(target.reference, log: log) else {
            throw SlinkyError.precondition(
                "docker build succeeded but the engine has no image \(target.reference)",
                hint: buildx ? "check that buildx loads into this engine (docker buildx ls), then run again" : "run again")
        }
        return BuildResult(built: true, imageID: built.id, usedBuildx: buildx, fingerprint: fingerprint)
    }

    // MARK: - Push

    public struct PushResult: Sendable, Equatable {
        /// False when ECR already held this very image under the tag and `force` was off.
        public var pushed: Bool
        public var digest: String
    }

    /// Logs in, pushes, and waits until ECR's API reports the digest `docker push` printed.
    public func push(_ target: ImageTarget, log: StepLog) async throws -> String {
        try await login(registry: target.registry, log: log)
        let pushed = try await docker.push(target.reference, log: log)
        // The push answer is the registry's word; ECR's API is what later steps and re-runs consult.
        var seen: String?
        for attempt in 0..<digestPollAttempts {
            seen = try await remoteDigest(repositoryName: target.repositoryName, tag: target.tag, log: log)
            if seen == pushed { break }
            if let signal = runner.interrupts.receivedSignal { throw SlinkyError.interrupted(signal: signal) }
            if attempt < digestPollAttempts - 1 { try await Task.sleep(for: digestPollInterval) }
        }
        guard seen == pushed else {
            throw SlinkyError.precondition(
                "pushed \(target.reference) (\(pushed)) but ECR reports \(seen ?? "no such tag")",
                hint: "push again; the push is repeated while ECR disagrees")
        }
        return pushed
    }

    /// Pushes the local image of `target`, unless ECR already holds exactly that image under the tag.
    public func pushLocalImage(_ target: ImageTarget, force: Bool, log: StepLog) async throws -> PushResult {
        guard let local = try await localImage(target.reference, log: log) else {
            throw SlinkyError.precondition(
                "there is no local image \(target.reference) to push",
                hint: "build it first: slinky image build --repo-name \(target.repositoryName) --tag \(target.tag)")
        }
        if !force, let remote = try await remoteDigest(repositoryName: target.repositoryName, tag: target.tag, log: log),
            local.isKnown(as: remote, in: target.repositoryURI)
        {
            log.write("ECR already holds \(target.reference) as \(remote), the local image")
            return PushResult(pushed: false, digest: remote)
        }
        return PushResult(pushed: true, digest: try await push(target, log: log))
    }

    // MARK: - Verify
}
