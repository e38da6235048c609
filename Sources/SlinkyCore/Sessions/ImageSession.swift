import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let driver = RunDriver(command: command, cluster: settings.cluster, events: events, interrupts: interrupts)
        let ending = await work(driver)
        return driver.finish(ending) { error, _ in
            guard case .interrupted = error else { return error.hint }
            return "run `slinky \(command)` again; it starts over and keeps what Docker and ECR already have"
        }
    }

    private func work(_ driver: RunDriver) async -> RunEnding {
        // The PID keeps two commands started in the same second apart (install runs are kept apart by the lock).
        let logDirectory = "\(settings.stateDirectory)/logs/\(RunDriver.stamp.string(from: driver.started))-image-\(request.action.rawValue)-"
            + String(format: "%07d", getpid())
        let journal: JournalStore
        do {
            try AtomicFile.makeDirectory(settings.stateDirectory, permissions: 0o700)
            try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
            journal = try JournalStore(path: "/dev/null", cluster: settings.cluster, initial: nil)
        } catch {
            return .failed(error, during: "start")
        }

        let builder = ImageBuilder(aws: AWSCLI(runner: runner, region: settings.region, profile: settings.profile), docker: Docker(runner: runner))
        let board = OutputsBoard()
        let checkReport = LatestCheckReport()
        do {
            let preludeSteps: [any PipelineStep] = [DockerDaemonPhase(builder: builder), ImageRepositoryPhase(builder: builder, settings: settings)]
            let prelude = try Pipeline(phase: .install, steps: preludeSteps)
            if let stop = await driver.stage(
                prelude, journal: journal, logDirectory: logDirectory, reconcile: false, board: board, resumable: false
            ).ending {
                return stop
            }

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
            let (outcome, stop) = await driver.stage(
                main, journal: journal, logDirectory: logDirectory, reconcile: false, board: board, resumable: false)
            let checkLines = checkReport.value?.lines.map(\.text) ?? []
            if var stop {
                // The check's lines explain a failed verify; an interrupted run has nothing to show.
                if !stop.interrupted { stop.next = checkLines }
                return stop
            }
            return .succeeded(next: checkLines + nextLines(outcome.reports.first?.outputs ?? [:]))
        } catch {
            return .failed(error, during: "image")
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
