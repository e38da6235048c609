import Foundation

/// Runs steps in dependency order, independent steps at the same time, recording each in the journal.
///
/// A failure stops new steps from starting but lets running ones finish: cancelling a terraform apply half
/// way would leave its state lock and an unsaved state behind, which is worse than waiting.
public struct Pipeline: Sendable {
    public let phase: Phase
    public let steps: [any PipelineStep]
    /// Steps finished by an earlier pipeline of the same run (the prelude) that these steps may depend on.
    public let satisfied: Set<StepID>

    public init(phase: Phase, steps: [any PipelineStep], satisfied: Set<StepID> = []) throws {
        self.phase = phase
        self.steps = steps
        self.satisfied = satisfied
        _ = try Self.order(steps, satisfied: satisfied)
    }

    /// A topological order that keeps declaration order where dependencies allow; rejects cycles and unknown ids.
    public static func order(_ steps: [any PipelineStep], satisfied: Set<StepID> = []) throws -> [StepID] {
        var ids = Set<StepID>()
        for step in steps {
            guard ids.insert(step.id).inserted else {
                throw SlinkyError.precondition("pipeline declares step \(step.id) twice", hint: "")
            }
        }
        for step in steps {
            for dependency in step.dependencies where !ids.contains(dependency) && !satisfied.contains(dependency) {
                throw SlinkyError.precondition("step \(step.id) depends on unknown step \(dependency)", hint: "")
            }
        }
        var ordered: [StepID] = []
        var placed = satisfied
        while ordered.count < steps.count {
            guard let next = steps.first(where: { !placed.contains($0.id) && $0.dependencies.allSatisfy(placed.contains) }) else {
                let stuck = steps.filter { !placed.contains($0.id) }.map(\.id.rawValue).joined(separator: ", ")
                throw SlinkyError.precondition("pipeline has a dependency cycle among: \(stuck)", hint: "")
            }
            ordered.append(next.id)
            placed.insert(next.id)
        }
        return ordered
    }

    public struct Outcome: Sendable {
        public var reports: [StepReport]
        /// The first error that stopped the run, with the step it happened in.
        public var failure: (step: StepID, error: SlinkyError)?
        public var interrupted: Bool

        public var succeeded: Bool { failure == nil && !interrupted }
    }

    /// A verify started before its step's turn, and the fingerprint it was started for.
    public struct EarlyVerification: Sendable {
        let fingerprint: String
        let log: StepLog
        let result: Result<Verification, any Error>
    }

    /// Verifies, all at once, every step whose recorded success matches its inputs as the journal describes
    /// them, so a re-run's read-only checks overlap each other (and the prelude) instead of queueing behind
    /// their dependencies. Verifies are read-only, so starting one early changes nothing; `run` uses a result
    /// only when every step upstream was confirmed too and the fingerprint is still the one checked here.
    public func verifyAhead(
        journal: JournalStore, events: any EventSink, logDirectory: String, reconcile: Bool
    ) async -> [StepID: EarlyVerification] {
        guard !reconcile else { return [:] }
        let recorded = await journal.current[phase]
        // Outputs as the journal has them: what every confirmed dependency will hand over in `run`.
        let board = OutputsBoard()
        for (id, record) in recorded where record.state == .succeeded { board.set(StepID(id), record.outputs) }
        return await withTaskGroup(of: (StepID, EarlyVerification?).self) { group in
            for step in steps where !step.alwaysRuns {
                guard let previous = recorded[step.id.rawValue], previous.state == .succeeded else { continue }
                group.addTask {
                    let log = StepLog(path: "\(logDirectory)/\(step.id.rawValue).log", stepID: step.id, events: events)
                    let context = StepContext(stepID: step.id, log: log, board: board, events: events, reconcile: false)
                    guard let fingerprint = try? await step.fingerprint(context), fingerprint == previous.fingerprint else {
                        log.close()
                        return (step.id, nil)
                    }
                    do {
                        return (step.id, EarlyVerification(fingerprint: fingerprint, log: log, result: .success(try await step.verify(previous, context))))
                    } catch {
                        return (step.id, EarlyVerification(fingerprint: fingerprint, log: log, result: .failure(error)))
                    }
                }
            }
            var results: [StepID: EarlyVerification] = [:]
            for await (id, early) in group { if let early { results[id] = early } }
            return results
        }
    }

    public func run(
        journal: JournalStore, events: any EventSink, logDirectory: String, reconcile: Bool,
        interrupts: InterruptController, board: OutputsBoard = OutputsBoard(),
        verifiedAhead: [StepID: EarlyVerification] = [:]
    ) async -> Outcome {
        let phase = self.phase
        let satisfied = self.satisfied
        var finished: [StepID: StepReport] = [:]
        var running = Set<StepID>()
        var failure: (step: StepID, error: SlinkyError)?
        var interrupted = false
        let byID = Dictionary(uniqueKeysWithValues: steps.map { ($0.id, $0) })
        // An early verify stands only when nothing upstream was redone in this run: a step that ran may have
        // changed what the verify looked at.
        func upstreamConfirmed(_ id: StepID) -> Bool {
            var pending = byID[id]?.dependencies ?? []
            var seen = Set<StepID>()
            while let next = pending.popLast() {
                guard seen.insert(next).inserted, !satisfied.contains(next) else { continue }
                guard finished[next]?.outcome == .upToDate else { return false }
                pending += byID[next]?.dependencies ?? []
            }
            return true
        }
        defer {
            // Logs of early verifies whose steps never started.
            for (id, early) in verifiedAhead where finished[id] == nil { early.log.close() }
        }

        // Outputs recorded by earlier runs are what confirmed (skipped) steps hand to later ones.
        let recorded = await journal.current[phase]
        for (id, record) in recorded where record.state == .succeeded { board.set(StepID(id), record.outputs) }

        await withTaskGroup(of: (StepID, StepReport, SlinkyError?).self) { group in
            func launchReady() {
                guard failure == nil, !interrupted, interrupts.receivedSignal == nil else { return }
                for step in steps where finished[step.id] == nil && !running.contains(step.id) {
                    let ready = step.dependencies.allSatisfy { dependency in
                        satisfied.contains(dependency) || (finished[dependency].map { $0.outcome.counts } ?? false)
                    }
                    guard ready else { continue }
                    running.insert(step.id)
                    let early = verifiedAhead[step.id].flatMap { upstreamConfirmed(step.id) ? $0 : nil }
                    let context = StepContext(
                        stepID: step.id,
                        log: verifiedAhead[step.id]?.log
                            ?? StepLog(path: "\(logDirectory)/\(step.id.rawValue).log", stepID: step.id, events: events),
                        board: board, events: events, reconcile: reconcile)
                    group.addTask {
                        await Self.execute(step, phase: phase, context: context, journal: journal, interrupts: interrupts, early: early)
                    }
                }
            }
            launchReady()
            while let (id, report, error) = await group.next() {
                running.remove(id)
                finished[id] = report
                events.emit(.stepFinished(report))
                if let error {
                    if case .interrupted = error { interrupted = true } else if failure == nil { failure = (id, error) }
                }
                launchReady()
            }
        }

        var reports: [StepReport] = []
        for step in steps {
            if let report = finished[step.id] {
                reports.append(report)
            } else {
                reports.append(StepReport(
                    id: step.id, title: step.title, outcome: .notStarted, durationSeconds: 0, outputs: [:],
                    error: nil, logPath: nil))
            }
        }
        // A stop that came before any step could start still means the run did not finish.
        if interrupts.receivedSignal != nil { interrupted = true }
        return Outcome(reports: reports, failure: failure, interrupted: interrupted)
    }

    private static func execute(
        _ step: any PipelineStep, phase: Phase, context: StepContext, journal: JournalStore,
        interrupts: InterruptController, early: EarlyVerification? = nil
    ) async -> (StepID, StepReport, SlinkyError?) {
        let started = Date()
        let id = step.id
        func report(_ outcome: StepOutcome, _ outputs: [String: String], _ error: String? = nil) -> StepReport {
            StepReport(
                id: id, title: step.title, outcome: outcome, durationSeconds: Date().timeIntervalSince(started),
                outputs: outputs, error: error, logPath: context.log.path)
        }
        defer { context.log.close() }
        do {
            let fingerprint = try await step.fingerprint(context)
            let previous = await journal.record(phase, id)
            if !step.alwaysRuns, !context.reconcile, let previous, previous.state == .succeeded,
                previous.fingerprint == fingerprint
            {
                // An early verify of exactly these inputs answers for this one; one that failed is asked again,
                // so its error (if it persists) is reported where it always was.
                let verification: Verification
                if let early, early.fingerprint == fingerprint, case .success(let answer) = early.result {
                    verification = answer
                } else {
                    verification = try await step.verify(previous, context)
                }
                switch verification {
                case .holds:
                    try await journal.update { $0[phase][id.rawValue]?.verifiedAt = Date() }
                    context.board.set(id, previous.outputs)
                    return (id, report(.upToDate, previous.outputs), nil)
                case .drifted(let why):
                    context.note("\(step.title): \(why); doing it again")
                }
            } else if let previous, previous.state == .succeeded, previous.fingerprint != fingerprint, !step.alwaysRuns {
                context.log.write("inputs changed since the last success; running again")
            }

            context.events.emit(.stepStarted(id: id, title: step.title))
            context.log.write("== \(step.title) (\(ISO8601DateFormatter().string(from: started)))")
            try await journal.update { j in
                var record = j[phase][id.rawValue] ?? StepRecord()
                record.state = .running
                record.startedAt = started
                record.finishedAt = nil
                record.error = nil
                record.logPath = context.log.path
                j[phase][id.rawValue] = record
            }
            let result = try await step.run(context)
            if let signal = interrupts.receivedSignal { throw SlinkyError.interrupted(signal: signal) }
            let recordedFingerprint = step.runRewritesInputs ? try await step.fingerprint(context) : fingerprint
            let finishedAt = Date()
            try await journal.update { j in
                var record = j[phase][id.rawValue] ?? StepRecord()
                record.state = .succeeded
                record.finishedAt = finishedAt
                record.durationSeconds = finishedAt.timeIntervalSince(started)
                record.fingerprint = recordedFingerprint
                record.outputs = result.outputs
                record.verifiedAt = finishedAt
                j[phase][id.rawValue] = record
            }
            context.board.set(id, result.outputs)
            return (id, report(result.outcome, result.outputs), nil)
        } catch {
            var slinkyError = (error as? SlinkyError) ?? .stepFailed(step: id.rawValue, underlying: "\(error)")
            if let signal = interrupts.receivedSignal { slinkyError = .interrupted(signal: signal) }
            let outcome: StepOutcome
            if case .interrupted = slinkyError { outcome = .interrupted } else { outcome = .failed }
            let finishedAt = Date()
            let message = slinkyError.message
            context.log.write("!! \(outcome.rawValue): \(message)")
            // The step's own error is what the user needs to see; if the journal cannot be written either,
            // the next write (and its error) says so.
            _ = try? await journal.update { j in
                var record = j[phase][id.rawValue] ?? StepRecord()
                record.state = outcome == .interrupted ? .interrupted : .failed
                record.finishedAt = finishedAt
                record.durationSeconds = record.startedAt.map { finishedAt.timeIntervalSince($0) }
                record.error = message
                record.logPath = context.log.path
                j[phase][id.rawValue] = record
            }
            return (id, report(outcome, [:], message), slinkyError)
        }
    }
}

extension StepOutcome {
    /// Whether a dependent step may start after this outcome.
    var counts: Bool { self == .done || self == .upToDate || self == .skipped }
}
