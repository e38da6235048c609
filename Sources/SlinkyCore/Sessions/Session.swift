import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one install or cleanup from settings to exit status: lock, journal, prelude, confirmation, pipeline, summary.
public struct Session: Sendable {
    public let settings: ClusterSettings
    public let events: any EventSink
    public let assumeYes: Bool
    public let runner: ProcessRunner
    public let interrupts: InterruptController
    let clusterAPI: (any ClusterAPI)?

    public init(
        settings: ClusterSettings, events: any EventSink, assumeYes: Bool, runner: ProcessRunner,
        interrupts: InterruptController, clusterAPI: (any ClusterAPI)? = nil
    ) {
        self.settings = settings
        self.events = events
        self.assumeYes = assumeYes
        self.runner = runner
        self.interrupts = interrupts
        self.clusterAPI = clusterAPI
    }

    var resumeCommand: String {
        var command = "slinky \(settings.command)"
        if settings.cluster != ClusterSettings.defaultCluster { command += " --name \(settings.cluster)" }
        return command
    }

    public func run(phase: Phase) async -> Int32 {
        let driver = RunDriver(command: settings.command, cluster: settings.cluster, events: events, interrupts: interrupts)
        let lock = ClusterLock(path: settings.lockPath)
        defer { lock.release() }
        // The run's one identity call starts now, beside the lock, the bucket and the tool checks; the identity
        // step (and, with shared state, the state key) read its answer. On a re-run it is the image checks'
        // describe-images, read from the local journal without the lock: a stale read only costs the STS call.
        let aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
        let ecrImages = ECRImageLookup(aws: aws)
        let proof = ECRIdentityProof.candidate(
            journal: (try? JournalStore.load(path: settings.journalPath)) ?? nil, settings: settings, phase: phase)
        let identity = CallerIdentityLookup(aws: aws, proof: proof.map { ($0, ecrImages) })
        await identity.start()
        var shared: SharedState?
        var ending = await work(phase, driver: driver, lock: lock, identity: identity, ecrImages: ecrImages, shared: &shared)
        await identity.settle()
        if let shared {
            // The bucket must hold the final journal before the run reports anything.
            let (closing, ownershipLost) = await shared.close()
            if let closing {
                if ending.error == nil || ownershipLost { ending = RunEnding(error: closing) }
                else { events.emit(.warning(closing.message)) }
            }
        }
        return driver.finish(ending) { error, stoppedIn in
            guard let stoppedIn else { return error.hint }
            let resume = "run `\(resumeCommand)` again to continue from step \"\(stoppedIn)\""
            switch error {
            case .interrupted: return resume
            case .commandFailed, .precondition, .stepFailed, .fileWrite:
                return [error.hint, resume].compactMap { $0 }.joined(separator: "; then ")
            default: return [error.hint, "then run `\(resumeCommand)` again"].compactMap { $0 }.joined(separator: ", ")
            }
        }
    }

    /// Everything between taking the lock and the summary; `shared` is set once the bucket is locked, so the
    /// caller can close it whatever happens after.
    private func work(
        _ phase: Phase, driver: RunDriver, lock: ClusterLock, identity: CallerIdentityLookup, ecrImages: ECRImageLookup,
        shared: inout SharedState?
    ) async -> RunEnding {
        var settings = self.settings
        let journal: JournalStore
        let logDirectory: String
        do {
            (journal, logDirectory) = try await open(
                phase, started: driver.started, lock: lock, identity: identity, settings: &settings, shared: &shared)
        } catch {
            return .failed(error, during: "start")
        }
        announce(lock: lock, shared: shared, settings: settings)

        let recorded = await journal.current
        if let recordedRegion = recorded.region, recordedRegion != settings.region, phase == .install || !recorded.install.isEmpty {
            return RunEnding(error: .invalidInput(
                "cluster \(settings.cluster) is recorded in \(recordedRegion), not \(settings.region)",
                hint: "pass --region \(recordedRegion), or choose another --name for a cluster in \(settings.region)"))
        }
        do {
            return try await stages(
                phase, driver: driver, settings: settings, identity: identity, ecrImages: ecrImages, journal: journal,
                logDirectory: logDirectory)
        } catch {
            return .failed(error, during: "pipeline")
        }
    }

    /// A dry run reads the record without locking or writing it; a real run locks the cluster (here and, with
    /// shared state, in the bucket) and journals every step.
    private func open(
        _ phase: Phase, started: Date, lock: ClusterLock, identity: CallerIdentityLookup, settings: inout ClusterSettings,
        shared: inout SharedState?
    ) async throws -> (JournalStore, String) {
        let journal: JournalStore
        let logDirectory: String
        if settings.dryRun {
            var initial = try JournalStore.load(path: settings.journalPath)
            if let bucket = settings.stateBucket {
                let reader = try await SharedStateReader.open(
                    bucket: bucket, settings: settings, runner: runner, environment: ProcessInfo.processInfo.environment)
                initial = try await reader.journal()
                settings.remoteState = reader.location
            }
            journal = try JournalStore(path: "/dev/null", cluster: settings.cluster, initial: initial)
            logDirectory = NSTemporaryDirectory() + "slinky-dry-run-\(getpid())"
        } else {
            try AtomicFile.makeDirectory(settings.stateDirectory, permissions: 0o700)
            try lock.acquire(cluster: settings.cluster, command: "slinky \(settings.command)")
            if let bucket = settings.stateBucket {
                shared = try await SharedState.open(
                    settings: &settings, bucket: bucket, phase: phase, runner: runner, interrupts: interrupts, identity: identity)
            }
            var mirror: (@Sendable (Data) -> Void)?
            if let mirroring = shared?.mirror { mirror = { data in mirroring.push(data) } }
            journal = try JournalStore(path: settings.journalPath, cluster: settings.cluster, mirror: mirror)
            logDirectory = "\(settings.stateDirectory)/logs/\(RunDriver.stamp.string(from: started))-\(settings.command)"
        }
        try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
        return (journal, logDirectory)
    }

    private func announce(lock: ClusterLock, shared: SharedState?, settings: ClusterSettings) {
        if let previous = lock.tookOverFrom {
            events.emit(.note("took over the lock left by PID \(previous.pid) (`\(previous.command)`), which is no longer running"))
        }
        guard let shared else { return }
        events.emit(.note("shared state: \(shared.location.url) (bucket from \(settings.stateBucketSource ?? "--state-bucket"))"))
        if let previous = shared.tookOverFrom {
            events.emit(.note("took over the bucket lock left by \(previous.description), last heartbeat \(ISO8601DateFormatter().string(from: previous.heartbeatAt))"))
        }
        if settings.blueprintPath == settings.sharedBlueprintPath {
            events.emit(.note("using the blueprint the cluster was built from, kept in \(shared.location.url)"))
        }
    }

    /// Prelude, header, then (after a dry-run plan or a confirmation) the phase's pipeline.
    private func stages(
        _ phase: Phase, driver: RunDriver, settings: ClusterSettings, identity: CallerIdentityLookup, ecrImages: ECRImageLookup,
        journal: JournalStore, logDirectory: String
    ) async throws -> RunEnding {
        let env = ClusterEnvironment(
            settings: settings, runner: runner, clusterAPI: clusterAPI, identity: identity, ecrImages: ecrImages)
        let board = OutputsBoard()
        let prelude = try Pipeline(phase: phase, steps: Pipelines.prelude(env, phase: phase))
        // The main pipeline's read-only checks of recorded successes run beside the prelude; the pipeline uses
        // each answer only if the step's inputs and everything upstream turn out unchanged (see verifyAhead).
        async let verifiedAhead = verifyAhead(
            phase, env: env, satisfied: Set(prelude.steps.map(\.id)), journal: journal, logDirectory: logDirectory)
        if let stop = await driver.stage(
            prelude, journal: journal, logDirectory: logDirectory, reconcile: settings.reconcile, board: board, resumable: false
        ).ending {
            _ = await verifiedAhead
            return stop
        }

        let account = board.get(.identity, "account")
        events.emit(.runStarted(RunHeader(
            command: settings.command, cluster: settings.cluster, region: settings.region,
            regionSource: settings.regionSource, account: account, profile: settings.profile,
            stateDirectory: settings.stateDirectory, dryRun: settings.dryRun)))

        let order = try StackOrder.load(path: settings.stackOrderPath)
        let steps = phase == .install ? Pipelines.install(env, order: order) : Pipelines.cleanup(env, order: order)
        let main = try Pipeline(phase: phase, steps: steps, satisfied: Set(prelude.steps.map(\.id)))

        let ahead = await verifiedAhead
        if settings.dryRun {
            for id in try Pipeline.order(steps, satisfied: main.satisfied) {
                guard let step = steps.first(where: { $0.id == id }) else { continue }
                let context = StepContext(
                    stepID: id, log: StepLog.discard(stepID: id), board: board, events: events, reconcile: settings.reconcile)
                events.emit(.plan(step: id, title: step.title, commands: step.plannedCommands(context)))
            }
            return .succeeded(next: ["Dry run: nothing was changed. Run without --dry-run to do it."])
        }

        if let refusal = try confirm(phase: phase, account: account) { return RunEnding(error: refusal) }

        try await journal.update { j in
            j.region = settings.region
            j.account = account
            j.lastCommand = settings.command
            j.lastResult = "running"
        }
        if let stop = await driver.stage(
            main, journal: journal, logDirectory: logDirectory, reconcile: settings.reconcile, board: board, resumable: true,
            verifiedAhead: ahead
        ).ending {
            _ = try? await journal.update { $0.lastResult = stop.interrupted ? "interrupted" : "failed" }
            return stop
        }
        try await journal.update { j in
            j.lastResult = "succeeded"
            // A finished install makes an older cleanup record meaningless, and the other way round.
            if phase == .install { j.cleanup = [:] } else { j.install = [:] }
        }
        if phase == .cleanup {
            return .succeeded(next: ["Cluster \(settings.cluster) and its AWS resources are gone. The ECR repository and the SSH key are kept."])
        }
        var access = board.outputs(of: .access)
        access["example_job"] = board.get(.exampleJob, "path_on_cluster")
        return .succeeded(next: AccessSummaryStep.nextSteps(access, settings: settings))
    }

    /// The early checks for the main pipeline: none for a dry run (it checks nothing) or when the pipeline
    /// cannot be built (the error is reported where it always was, after the prelude).
    private func verifyAhead(
        _ phase: Phase, env: ClusterEnvironment, satisfied: Set<StepID>, journal: JournalStore, logDirectory: String
    ) async -> [StepID: Pipeline.EarlyVerification] {
        let settings = env.settings
        guard !settings.dryRun, !settings.reconcile, let order = try? StackOrder.load(path: settings.stackOrderPath) else { return [:] }
        let steps = phase == .install ? Pipelines.install(env, order: order) : Pipelines.cleanup(env, order: order)
        guard let main = try? Pipeline(phase: phase, steps: steps, satisfied: satisfied) else { return [:] }
        return await main.verifyAhead(journal: journal, events: events, logDirectory: logDirectory, reconcile: false)
    }

    /// Asks at a terminal; in CI, install proceeds and cleanup requires --yes.
    func confirm(phase: Phase, account: String?) throws -> SlinkyError? {
        if assumeYes { return nil }
        let interactive = isatty(STDIN_FILENO) == 1
        guard interactive else {
            if phase == .cleanup {
                return .invalidInput(
                    "cleanup destroys cluster \(settings.cluster) and needs confirmation, but there is no terminal to ask at",
                    hint: "pass --yes (or set SLINKY_YES=1) to confirm")
            }
            return nil
        }
        let question = phase == .install
            ? "Create or update cluster \(settings.cluster) in account \(account ?? "?"), \(settings.region)? [y/N] "
            : "Destroy cluster \(settings.cluster) in account \(account ?? "?"), \(settings.region)? [y/N] "
        FileHandle.standardError.write(Data(question.utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            return .invalidInput("not confirmed; nothing was changed", hint: "")
        }
        return nil
    }
}
