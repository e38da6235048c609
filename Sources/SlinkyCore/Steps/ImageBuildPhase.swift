import Foundation

/// `slinky image build`: builds for linux/amd64 unless the local image already is the build of these inputs.
struct ImageBuildPhase: PipelineStep {
    let id = StepID.imageBuild
    var title: String { "Build \(settings.repositoryName):\(settings.tag) for linux/amd64" }
    let dependencies: [StepID] = [.dockerDaemon, .imageRepository]
    var alwaysRuns: Bool { true }
    let builder: ImageBuilder
    let settings: ClusterSettings
    let buildArguments: [String: String]

    func fingerprint(_ context: StepContext) async throws -> String { "" }

    func run(_ context: StepContext) async throws -> StepResult {
        try settings.requireDockerfile()
        let target = try settings.imageTarget(context)
        let recipe = ImageRecipe(
            dockerfilePath: settings.dockerfilePath, buildArguments: buildArguments,
            labels: ImageRecipe.standardLabels(cluster: settings.cluster))
        let result = try await builder.build(recipe, target: target, force: settings.rebuild, log: context.log)
        var outputs = [
            "image": target.reference, "image_id": result.imageID, "built": result.built ? "yes" : "no",
            "fingerprint": result.fingerprint,
        ]
        if result.built { outputs["builder"] = result.usedBuildx ? "buildx" : "classic" }
        return StepResult(outputs: outputs, outcome: result.built ? .done : .upToDate)
    }
}
