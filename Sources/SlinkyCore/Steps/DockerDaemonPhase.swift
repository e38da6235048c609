import Foundation

/// `docker version`: a stopped daemon is one clear error before anything else runs.
struct DockerDaemonPhase: PipelineStep {
    let id = StepID.dockerDaemon
    let title = "Docker daemon"
    let dependencies: [StepID] = []
    var alwaysRuns: Bool { true }
    let builder: ImageBuilder

    func fingerprint(_ context: StepContext) async throws -> String { "" }

    func run(_ context: StepContext) async throws -> StepResult {
        do {
            return StepResult(outputs: ["docker-daemon": try await builder.docker.serverVersion(log: context.log)])
        } catch SlinkyError.serviceUnavailable(let what, let detail, _) {
            // Docker's own hint mentions install's --skip-build, which the image commands do not have.
            throw SlinkyError.serviceUnavailable(
                what: what, detail: detail, hint: "start Docker (or point DOCKER_HOST at a running daemon) and run again")
        }
    }
}
