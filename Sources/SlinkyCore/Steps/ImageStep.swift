import Foundation

/// Builds the slurmd image for linux/amd64 and pushes it to ECR, unless ECR already holds it.
/// The work itself is `ImageBuilder`'s, shared with `slinky image build|push|verify`.
public struct ImageStep: PipelineStep {
    public let id = StepID.image
    public var title: String { "slurmd image \(env.settings.repositoryName):\(env.settings.tag)" }
    public let dependencies: [StepID] = [.ecrRepository]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    var settings: ClusterSettings { env.settings }
    var builder: ImageBuilder { ImageBuilder(env: env) }
    var recipe: ImageRecipe {
        ImageRecipe(dockerfilePath: settings.dockerfilePath, labels: ImageRecipe.standardLabels(cluster: settings.cluster))
    }

    func target(uri: String) -> ImageTarget {
        ImageTarget(repositoryName: settings.repositoryName, repositoryURI: uri, tag: settings.tag)
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        // Unchanged from earlier versions on purpose: a new fingerprint would make every recorded image stale.
        var f = Fingerprint()
        f.add("repository", context.output(.ecrRepository, "uri"))
        f.add("tag", settings.tag)
        f.add("skip-build", settings.skipBuild ? "yes" : "no")
        if !settings.skipBuild {
            f.add("dockerfile", data: FileManager.default.contents(atPath: settings.dockerfilePath) ?? Data())
            f.add("context", SHA256Hex.hashTree(recipe.contextPath))
        }
        return f.value
    }

    func describeImage(_ context: StepContext) async throws -> String? {
        try await builder.remoteDigest(repositoryName: settings.repositoryName, tag: settings.tag, log: context.log)
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        // The same describe-images answer the repository check uses (one CLI start-up for both).
        var digest: String?
        if case .repository(let found) = try await env.ecrImages.describe(repository: settings.repositoryName, tag: settings.tag, log: context.log) {
            digest = found
        }
        if digest == recorded.outputs["digest"] { return .holds }
        return .drifted(digest == nil ? "ECR no longer holds tag \(settings.tag)" : "tag \(settings.tag) now points at another image")
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        let uri = context.output(.ecrRepository, "uri") ?? "<account>.dkr.ecr.\(settings.region).amazonaws.com/\(settings.repositoryName)"
        let describe = env.aws.invocation(ImageBuilder.describeImageArguments(repositoryName: settings.repositoryName, tag: settings.tag)).commandLine
        if settings.skipBuild { return [describe + "   # --skip-build: the tag must exist"] }
        let target = target(uri: uri)
        var commands = [describe + "   # skip the build when ECR already holds this build"]
        for registry in ImageBuilder.baseRegistries(dockerfile: recipe.dockerfileText) where registry != target.registry {
            commands.append(builder.plannedLogin(registry: registry))
        }
        commands.append(ImageBuilder.inspectInvocation(target.reference).commandLine + "   # no build when the local image carries this build's fingerprint")
        commands.append(ImageBuilder.buildInvocation(recipe, target: target, buildx: false).commandLine
            + "   # buildx build --load with a registry cache when buildx is present")
        commands.append(builder.plannedLogin(registry: target.registry))
        commands.append("docker push \(target.reference)")
        return commands
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let target = target(uri: try context.require(.ecrRepository, "uri"))
        let existing = try await describeImage(context)

        if settings.skipBuild {
            guard let existing else {
                throw SlinkyError.precondition(
                    "--skip-build was given but ECR repository \(settings.repositoryName) in \(settings.region) has no image tagged \(settings.tag)",
                    hint: "run without --skip-build to build and push it (or `slinky image build` then `slinky image push` with the same --repo-name and --tag), or pass --tag with a tag that exists")
            }
            return StepResult(outputs: outputs(target, digest: existing, built: "no"), outcome: .skipped)
        }
        // The board only carries this step's outputs when an earlier run succeeded.
        let recordedDigest = context.output(id, "digest")
        if let existing, !settings.rebuild, recordedDigest == nil {
            context.note("ECR already holds \(target.reference); reusing it (pass --rebuild to build it again)")
            return StepResult(outputs: outputs(target, digest: existing, built: "no"))
        }

        let build = try await builder.build(recipe, target: target, force: settings.rebuild, log: context.log)
        if !build.built { context.log.write("reusing the local image \(build.imageID): it is the build of these inputs") }
        let digest = try await builder.push(target, log: context.log)
        return StepResult(outputs: outputs(target, digest: digest, built: "yes"))
    }

    func outputs(_ target: ImageTarget, digest: String, built: String) -> [String: String] {
        ["repository_uri": target.repositoryURI, "tag": target.tag, "digest": digest, "image": target.reference,
         "image_by_digest": target.byDigest(digest), "built": built]
    }
}
