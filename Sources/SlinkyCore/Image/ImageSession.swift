import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The three `slinky image` commands.
public enum ImageAction: String, Sendable, CaseIterable {
    case build, push, verify
}

/// What one `slinky image` command was asked to do, beyond the repository, tag and Dockerfile in the settings.
public struct ImageRequest: Sendable {
    public var action: ImageAction
    /// `image build --build-arg KEY=VALUE`.
    public var buildArguments: [String: String]
    /// `image verify --expect KEY=VALUE`: STACK_EXPECT_<KEY> for the check, overriding the image's own.
    public var expectations: [String: String]
    /// `image verify --skip-check NAME`: STACK_CHECK_SKIP.
    public var skipChecks: [String]

    public init(action: ImageAction, buildArguments: [String: String] = [:], expectations: [String: String] = [:], skipChecks: [String] = []) {
        self.action = action
        self.buildArguments = buildArguments
        self.expectations = expectations
        self.skipChecks = skipChecks
    }
}

/// Runs one `slinky image build|push|verify` from settings to exit status.
///
/// Each phase is a pipeline step, so the commands print, log and stop on Ctrl-C exactly like install does;
/// but their journal lives in memory only: whether work is needed is read from Docker and ECR themselves
/// (the fingerprint label on the local image, the digest ECR reports), not from a record of earlier runs.
public struct ImageSession: Sendable {
    public let settings: ClusterSettings
    public let request: ImageRequest
    public let events: any EventSink
    public let runner: ProcessRunner
    public let interrupts: InterruptController

    public init(settings: ClusterSettings, request: ImageRequest, events: any EventSink, runner: ProcessRunner, interrupts: InterruptController) {
        self.settings = settings
        self.request = request
        self.events = events
        self.runner = runner
        self.interrupts = interrupts
    }

    var command: String { "image \(request.action.rawValue)" }

    /// The flags that name this image, for the commands a summary suggests.
    var imageFlags: String {
        var flags = "--repo-name \(settings.repositoryName) --tag \(settings.tag)"
        if settings.cluster != ClusterSettings.defaultCluster { flags = "--name \(settings.cluster) " + flags }
        return flags
    }

    public func run() async -> Int32 {
        let started = Date()
        var reports: [StepReport] = []
        let checkReport = LatestCheckReport()

        func finish(_ error: SlinkyError?, next: [String] = []) -> Int32 {
            let status = error?.exitStatus ?? .success
            var hint = error?.hint
            var result = "succeeded"
            if let error {
                if case .interrupted = error {
                    result = "interrupted"
                    hint = "run `slinky \(command)` again; it starts over and keeps what Docker and ECR already have"
                } else {
                    result = "failed"
                }
            }
            events.emit(.runFinished(RunSummary(
                command: command, cluster: settings.cluster, result: result, exitCode: status.rawValue,
                durationSeconds: Date().timeIntervalSince(started), steps: reports,
                error: error.map { $0.message }, hint: hint, next: next)))
            events.finish()
            return status.rawValue
        }

        // The PID keeps two commands started in the same second apart (install runs are kept apart by the lock).
        let logDirectory = "\(settings.stateDirectory)/logs/\(Session.stamp.string(from: started))-image-\(request.action.rawValue)-"
            + String(format: "%07d", getpid())
        let journal: JournalStore
        do {
            try AtomicFile.makeDirectory(settings.stateDirectory, permissions: 0o700)
            try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
            journal = try JournalStore(path: "/dev/null", cluster: settings.cluster, initial: nil)
        } catch {
            return finish(error as? SlinkyError ?? .stepFailed(step: "start", underlying: "\(error)"))
        }

        let builder = ImageBuilder(aws: AWSCLI(runner: runner, region: settings.region, profile: settings.profile), docker: Docker(runner: runner))
        let board = OutputsBoard()
        do {
            let preludeSteps: [any PipelineStep] = [DockerDaemonPhase(builder: builder), ImageRepositoryPhase(builder: builder, settings: settings)]
            let prelude = try Pipeline(phase: .install, steps: preludeSteps)
            let first = await prelude.run(
                journal: journal, events: events, logDirectory: logDirectory, reconcile: false, interrupts: interrupts, board: board)
            reports += first.reports
            if first.interrupted { return finish(.interrupted(signal: interrupts.receivedSignal ?? SIGINT)) }
            if let failure = first.failure { return finish(failure.error) }

            // The account is the repository URI's first label; no extra STS call is needed to print it.
            let account = board.get(.imageRepository, "uri")?.split(separator: ".").first.map(String.init)
            events.emit(.runStarted(RunHeader(
                command: command, cluster: settings.cluster, region: settings.region, regionSource: settings.regionSource,
                account: account, profile: settings.profile, stateDirectory: settings.stateDirectory, dryRun: false)))

            let phase: any PipelineStep
            switch request.action {
            case .build: phase = ImageBuildPhase(builder: builder, settings: settings, buildArguments: request.buildArguments)
            case .push: phase = ImagePushPhase(builder: builder, settings: settings)
            case .verify:
                phase = ImageVerifyPhase(builder: builder, settings: settings, request: request) { checkReport.set($0) }
            }
            let main = try Pipeline(phase: .install, steps: [phase], satisfied: Set(preludeSteps.map(\.id)))
            let second = await main.run(
                journal: journal, events: events, logDirectory: logDirectory, reconcile: false, interrupts: interrupts, board: board)
            reports += second.reports
            let checkLines = checkReport.value?.lines.map(\.text) ?? []
            if second.interrupted || interrupts.receivedSignal != nil {
                return finish(.interrupted(signal: interrupts.receivedSignal ?? SIGINT))
            }
            if let failure = second.failure { return finish(failure.error, next: checkLines) }
            return finish(nil, next: checkLines + nextLines(second.reports.first?.outputs ?? [:]))
        } catch {
            return finish(error as? SlinkyError ?? .stepFailed(step: "image", underlying: "\(error)"))
        }
    }

    /// What a person reads at the end of a successful command.
    func nextLines(_ outputs: [String: String]) -> [String] {
        let image = outputs["image"] ?? "\(settings.repositoryName):\(settings.tag)"
        switch request.action {
        case .build:
            let head = outputs["built"] == "yes"
                ? "Built \(image) (\(outputs["image_id"] ?? "?"))."
                : "\(image) is already the build of these inputs; nothing was built (pass --rebuild to build it again)."
            return [head, "Push it with: slinky image push \(imageFlags)"]
        case .push:
            let head = outputs["pushed"] == "yes"
                ? "Pushed \(image); ECR reports \(outputs["digest"] ?? "?")."
                : "ECR already holds \(image) as \(outputs["digest"] ?? "?"); nothing was pushed (pass --rebuild to push it again)."
            return [head, "Check it with: slinky image verify \(imageFlags)"]
        case .verify:
            return ["The stack check passed inside \(image)."]
        }
    }
}

/// The stack check's answer, handed from the verify phase to the session that prints it.
final class LatestCheckReport: Sendable {
    private let report = Mutex<StackCheckReport?>(nil)
    func set(_ value: StackCheckReport) { report.withLock { $0 = value } }
    var value: StackCheckReport? { report.withLock { $0 } }
}

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
