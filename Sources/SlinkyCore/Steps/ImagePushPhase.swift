import Foundation

/// `slinky image push`: pushes unless ECR already holds the local image under the tag.
struct ImagePushPhase: PipelineStep {
    let id = StepID.imagePush
    var title: String { "Push \(settings.repositoryName):\(settings.tag) to ECR" }
    let dependencies: [StepID] = [.dockerDaemon, .imageRepository]
    var alwaysRuns: Bool { true }
    let builder: ImageBuilder
    let settings: ClusterSettings

    func fingerprint(_ context: StepContext) async throws -> String { "" }

    func run(_ context: StepContext) async throws -> StepResult {
        let target = try settings.imageTarget(context)
        let result = try await builder.pushLocalImage(target, force: settings.rebuild, log: context.log)
        return StepResult(
            outputs: ["image": target.reference, "digest": result.digest, "image_by_digest": target.byDigest(result.digest),
                      "pushed": result.pushed ? "yes" : "no"],
            outcome: result.pushed ? .done : .upToDate)
    }
}
