import Foundation

import Synchronization

/// `slinky image verify`: runs the stack check inside the image.
struct ImageVerifyPhase: PipelineStep {
    let id = StepID.imageVerify
    var title: String { "Check the stack inside \(settings.repositoryName):\(settings.tag)" }
    let dependencies: [StepID] = [.dockerDaemon, .imageRepository]
    var alwaysRuns: Bool { true }
    let builder: ImageBuilder
    let settings: ClusterSettings
    let request: ImageRequest
    /// Hands the check's lines to the session, which prints them whether the check passed or not.
    let reportCheck: @Sendable (StackCheckReport) -> Void

    func fingerprint(_ context: StepContext) async throws -> String { "" }

    func run(_ context: StepContext) async throws -> StepResult {
        let target = try settings.imageTarget(context)
        let result = try await builder.checkImage(
            target, expectations: request.expectations, skipChecks: request.skipChecks, pull: settings.rebuild,
            log: context.log)
        // Handed over before a failure is thrown, so the session can print every line under the error.
        reportCheck(result.report)
        if let failure = result.report.failure(image: target.reference, logPath: context.log.path) { throw failure }
        var outputs = ["image": target.reference, "pulled": result.pulled ? "yes" : "no", "passed": "yes"]
        for line in result.report.lines { outputs["check.\(line.name)"] = "\(line.status.rawValue): \(line.detail)" }
        return StepResult(outputs: outputs)
    }
}

/// The stack check's answer, handed from the verify phase to the session that prints it.
final class LatestCheckReport: Sendable {
    private let report = Mutex<StackCheckReport?>(nil)
    func set(_ value: StackCheckReport) { report.withLock { $0 = value } }
    var value: StackCheckReport? { report.withLock { $0 } }
}
