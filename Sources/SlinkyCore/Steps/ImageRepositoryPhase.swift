import Foundation

/// Describes the ECR repository: its URI names the image, and the commands never create it.
struct ImageRepositoryPhase: PipelineStep {
    let id = StepID.imageRepository
    var title: String { "ECR repository \(settings.repositoryName)" }
    let dependencies: [StepID] = []
    var alwaysRuns: Bool { true }
    let builder: ImageBuilder
    let settings: ClusterSettings

    func fingerprint(_ context: StepContext) async throws -> String { "" }

    func run(_ context: StepContext) async throws -> StepResult {
        StepResult(outputs: ["uri": try await builder.requireRepositoryURI(settings.repositoryName, log: context.log)])
    }
}

extension ClusterSettings {
    func imageTarget(_ context: StepContext) throws -> ImageTarget {
        ImageTarget(repositoryName: repositoryName, repositoryURI: try context.require(.imageRepository, "uri"), tag: tag)
    }
}
