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
        let started = Date()
        var reports: [StepReport] = []
        var settings = self.settings
        var shared: SharedState?

        func finish(_ error: SlinkyError?, failedStep: StepID? = nil, next: [String] = []) async -> Int32 {
            var error = error
            var failedStep = failedStep
            var next = next
            if let shared {
                // The bucket must hold the final journal before the run reports anything.
                let (closing, ownershipLost) = await shared.close()
                if let closing {
                    if error == nil || ownershipLost { error = closing; failedStep = nil; next = [] }
                    else { events.emit(.warning(closing.message)) }
                }
            }
            let status = error?.exitStatus ?? .success
            var hint = error?.hint
            if let error, let failedStep {
                let title = reports.first { $0.id == failedStep }?.title ?? failedStep.rawValue
                switch error {
                case .interrupted:
                    hint = "run `\(resumeCommand)` again to continue from step \"\(title)\""
                case .commandFailed, .precondition, .stepFailed, .fileWrite:
                    hint = [hint, "run `\(resumeCommand)` again to continue from step \"\(title)\""].compactMap { $0 }.joined(separator: "; then ")
                default:
                    hint = [hint, "then run `\(resumeCommand)` again"].compactMap { $0 }.joined(separator: ", ")
                }
            }
            var result = "succeeded"
            if let error { if case .interrupted = error { result = "interrupted" } else { result = "failed" } }
            events.emit(.runFinished(RunSummary(
                command: settings.command, cluster: settings.cluster, result: result, exitCode: status.rawValue,
                durationSeconds: Date().timeIntervalSince(started), steps: reports,
                error: error.map { $0.message }, hint: hint, next: next)))
            events.finish()
            return status.rawValue
        }

        let lock = ClusterLock(path: settings.lockPath)
        let journal: JournalStore
        let logDirectory: String
        do {
            if settings.dryRun {
                var initial = try JournalStore.load(path: settings.journalPath)
                if let bucket = settings.stateBucket {
                    // A dry run reads the shared record without taking the lock.
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
                        settings: &settings, bucket: bucket, phase: phase, runner: runner, interrupts: interrupts)
                }
                var mirror: (@Sendable (Data) -> Void)?
                if let mirroring = shared?.mirror { mirror = { data in mirroring.push(data) } }
                journal = try JournalStore(path: settings.journalPath, cluster: settings.cluster, mirror: mirror)
                let stamp = Self.stamp.string(from: started)
                logDirectory = "\(settings.stateDirectory)/logs/\(stamp)-\(settings.command)"
            }
            try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
        } catch {
            return await finish(error as? SlinkyError ?? .stepFailed(step: "start", underlying: "\(error)"))
        }
        defer { lock.release() }
        if let previous = lock.tookOverFrom {
            events.emit(.note("took over the lock left by PID \(previous.pid) (`\(previous.command)`), which is no longer running"))
        }
        if let shared {
            events.emit(.note("shared state: \(shared.location.url) (bucket from \(settings.stateBucketSource ?? "--state-bucket"))"))
            if let previous = shared.tookOverFrom {
                events.emit(.note("took over the bucket lock left by \(previous.description), last heartbeat \(ISO8601DateFormatter().string(from: previous.heartbeatAt))"))
            }
            if settings.blueprintPath == settings.sharedBlueprintPath {
                events.emit(.note("using the blueprint the cluster was built from, kept in \(shared.location.url)"))
            }
        }

        let recorded = await journal.current
        if let recordedRegion = recorded.region, recordedRegion != settings.region, phase == .install || !recorded.install.isEmpty {
            return await finish(.invalidInput(
                "cluster \(settings.cluster) is recorded in \(recordedRegion), not \(settings.region)",
                hint: "pass --region \(recordedRegion), or choose another --name for a cluster in \(settings.region)"))
        }

        let env = ClusterEnvironment(settings: settings, runner: runner, clusterAPI: clusterAPI)
        let board = OutputsBoard()
        do {
            let prelude = try Pipeline(phase: phase, steps: Pipelines.prelude(env, phase: phase))
            let outcome = await prelude.run(
                journal: journal, events: events, logDirectory: logDirectory, reconcile: settings.reconcile,
                interrupts: interrupts, board: board)
            reports += outcome.reports
            if let failure = outcome.failure {
                return await finish(failure.error)
            }
            if outcome.interrupted { return await finish(.interrupted(signal: interrupts.receivedSignal ?? SIGINT)) }

            let account = board.get(.identity, "account")
            events.emit(.runStarted(RunHeader(
                command: settings.command, cluster: settings.cluster, region: settings.region,
                regionSource: settings.regionSource, account: account, profile: settings.profile,
                stateDirectory: settings.stateDirectory, dryRun: settings.dryRun)))

            let order = try StackOrder.load(path: settings.stackOrderPath)
            let steps = phase == .install ? Pipelines.install(env, order: order) : Pipelines.cleanup(env, order: order)
            let main = try Pipeline(phase: phase, steps: steps, satisfied: Set(prelude.steps.map(\.id)))

            if settings.dryRun {
                let ordered = try Pipeline.order(steps, satisfied: main.satisfied)
                for id in ordered {
                    guard let step = steps.first(where: { $0.id == id }) else { continue }
                    let context = StepContext(
                        stepID: id, log: StepLog.discard(stepID: id), board: board, events: events, reconcile: settings.reconcile)
                    events.emit(.plan(step: id, title: step.title, commands: step.plannedCommands(context)))
                }
                return await finish(nil, next: ["Dry run: nothing was changed. Run without --dry-run to do it."])
            }

            if let refusal = try confirm(phase: phase, account: account) { return await finish(refusal) }

            try await journal.update { j in
                j.region = settings.region
                j.account = account
                j.lastCommand = settings.command
                j.lastResult = "running"
            }
            let result = await main.run(
                journal: journal, events: events, logDirectory: logDirectory, reconcile: settings.reconcile,
                interrupts: interrupts, board: board)
            reports += result.reports
            if result.interrupted || interrupts.receivedSignal != nil {
                let stopped = result.reports.first { $0.outcome == .interrupted || $0.outcome == .notStarted }?.id
                _ = try? await journal.update { $0.lastResult = "interrupted" }
                return await finish(.interrupted(signal: interrupts.receivedSignal ?? SIGINT), failedStep: stopped)
            }
            if let failure = result.failure {
                _ = try? await journal.update { $0.lastResult = "failed" }
                return await finish(failure.error, failedStep: failure.step)
            }
            try await journal.update { j in
                j.lastResult = "succeeded"
                // A finished install makes an older cleanup record meaningless, and the other way round.
                if phase == .install { j.cleanup = [:] } else { j.install = [:] }
            }
            var next: [String] = []
            if phase == .install {
                var access = board.outputs(of: .access)
                access["example_job"] = board.get(.exampleJob, "path_on_cluster")
                next = AccessSummaryStep.nextSteps(access, settings: settings)
            } else {
                next = ["Cluster \(settings.cluster) and its AWS resources are gone. The ECR repository and the SSH key are kept."]
            }
            return await finish(nil, next: next)
        } catch {
            return await finish(error as? SlinkyError ?? .stepFailed(step: "pipeline", underlying: "\(error)"))
        }
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

    static let stamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}
