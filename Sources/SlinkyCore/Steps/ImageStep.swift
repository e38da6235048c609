import Foundation

/// Builds the slurmd image for linux/amd64 and pushes it to ECR, unless ECR already holds it.
public struct ImageStep: PipelineStep {
    public let id = "image"
    public var title: String { "slurmd image \(env.settings.repositoryName):\(env.settings.tag)" }
    public let dependencies = ["ecr-repository"]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    var settings: ClusterSettings { env.settings }
    var buildContext: String { (settings.dockerfilePath as NSString).deletingLastPathComponent }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("repository", context.output("ecr-repository", "uri"))
        f.add("tag", settings.tag)
        f.add("skip-build", settings.skipBuild ? "yes" : "no")
        if !settings.skipBuild {
            f.add("dockerfile", data: FileManager.default.contents(atPath: settings.dockerfilePath) ?? Data())
            f.add("context", SHA256Hex.hashTree(buildContext))
        }
        return f.value
    }

    func describeImage(_ context: StepContext) async throws -> String? {
        let arguments = ["ecr", "describe-images", "--repository-name", settings.repositoryName, "--image-ids", "imageTag=\(settings.tag)"]
        switch try await env.aws.call(arguments, log: context.log) {
        case .success(let text):
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["imageDetails"] as? [[String: Any]])?.first?["imageDigest"] as? String
        case .failure(let failure) where failure.code == "ImageNotFoundException" || failure.code == "RepositoryNotFoundException":
            return nil
        case .failure(let failure):
            throw failure.asError
        }
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let digest = try await describeImage(context)
        if digest == recorded.outputs["digest"] { return .holds }
        return .drifted(digest == nil ? "ECR no longer holds tag \(settings.tag)" : "tag \(settings.tag) now points at another image")
    }

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

    static func region(ofRegistry host: String) -> String? {
        let parts = host.split(separator: ".")
        return parts.count > 3 ? String(parts[3]) : nil
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        let uri = context.output("ecr-repository", "uri") ?? "<account>.dkr.ecr.\(settings.region).amazonaws.com/\(settings.repositoryName)"
        let describe = env.aws.invocation(["ecr", "describe-images", "--repository-name", settings.repositoryName, "--image-ids", "imageTag=\(settings.tag)"]).commandLine
        if settings.skipBuild { return [describe + "   # --skip-build: the tag must exist"] }
        var commands = [describe + "   # skip the build when ECR already holds this build"]
        let dockerfileText = (try? String(contentsOfFile: settings.dockerfilePath, encoding: .utf8)) ?? ""
        for registry in Self.baseRegistries(dockerfile: dockerfileText) {
            commands.append(env.aws.invocation(["ecr", "get-login-password"], region: Self.region(ofRegistry: registry)).commandLine
                + " | " + Docker.login(registry: registry, password: Secret("")).commandLine)
        }
        let request = buildRequest(reference: "\(uri):\(settings.tag)")
        commands.append(Docker.build(request, buildx: false).commandLine + "   # buildx build --load when buildx is present")
        let registry = uri.split(separator: "/").first.map(String.init) ?? uri
        commands.append(env.aws.invocation(["ecr", "get-login-password"]).commandLine + " | " + Docker.login(registry: registry, password: Secret("")).commandLine)
        commands.append("docker push \(uri):\(settings.tag)")
        return commands
    }

    func buildRequest(reference: String) -> Docker.BuildRequest {
        Docker.BuildRequest(
            dockerfile: settings.dockerfilePath, context: buildContext, imageReference: reference,
            buildArguments: [:],
            labels: ["org.opencontainers.image.title": "slurmd", "io.slinky.cluster": settings.cluster],
            cacheReference: nil)
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let uri = try context.require("ecr-repository", "uri")
        let reference = "\(uri):\(settings.tag)"
        let existing = try await describeImage(context)

        if settings.skipBuild {
            guard let existing else {
                throw SlinkyError.precondition(
                    "--skip-build was given but ECR repository \(settings.repositoryName) in \(settings.region) has no image tagged \(settings.tag)",
                    hint: "run without --skip-build to build and push it, or pass --tag with a tag that exists")
            }
            return StepResult(outputs: outputs(uri: uri, digest: existing, built: "no"), outcome: .skipped)
        }
        let previous = await recordedRun(context)
        if let existing, !settings.rebuild, previous == nil {
            context.note("ECR already holds \(reference); reusing it (pass --rebuild to build it again)")
            return StepResult(outputs: outputs(uri: uri, digest: existing, built: "no"))
        }

        let dockerfileText = (try? String(contentsOfFile: settings.dockerfilePath, encoding: .utf8)) ?? ""
        for registry in Self.baseRegistries(dockerfile: dockerfileText) where !reference.hasPrefix(registry + "/") {
            try await login(registry: registry, region: Self.region(ofRegistry: registry), context)
        }
        let buildx = await env.docker.hasBuildx(log: context.log)
        var request = buildRequest(reference: reference)
        if buildx { request.cacheReference = "\(uri):buildcache" }
        try await env.docker.build(request, buildx: buildx, log: context.log)

        let registry = uri.split(separator: "/").first.map(String.init) ?? uri
        try await login(registry: registry, region: nil, context)
        let pushed = try await env.docker.push(reference, log: context.log)

        // The push answer is the registry's word; ECR's API is what later steps and re-runs consult.
        var seen: String?
        for attempt in 0..<20 {
            seen = try await describeImage(context)
            if seen == pushed { break }
            if attempt < 19 { try await Task.sleep(for: .milliseconds(500)) }
        }
        guard seen == pushed else {
            throw SlinkyError.precondition(
                "pushed \(reference) (\(pushed)) but ECR reports \(seen ?? "no such tag")",
                hint: "run slinky install again; the push is repeated if ECR still disagrees")
        }
        return StepResult(outputs: outputs(uri: uri, digest: pushed, built: "yes"))
    }

    private func recordedRun(_ context: StepContext) async -> String? {
        // The board only carries this step's outputs when an earlier run succeeded.
        context.output(id, "digest")
    }

    private func login(registry: String, region: String?, _ context: StepContext) async throws {
        let password = try await env.aws.call(["ecr", "get-login-password"], region: region, log: nil)
        switch password {
        case .success(let text):
            let secret = Secret(text.trimmingCharacters(in: .whitespacesAndNewlines))
            env.runner.redactor.register(secret)
            context.log.command(env.aws.invocation(["ecr", "get-login-password"], region: region).commandLine + "   # output redacted")
            try await env.docker.login(registry: registry, password: secret, log: context.log)
        case .failure(let failure):
            throw failure.asError
        }
    }

    func outputs(uri: String, digest: String, built: String) -> [String: String] {
        ["repository_uri": uri, "tag": settings.tag, "digest": digest, "image": "\(uri):\(settings.tag)",
         "image_by_digest": "\(uri)@\(digest)", "built": built]
    }
}
