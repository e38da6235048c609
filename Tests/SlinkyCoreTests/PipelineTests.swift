import Foundation
import Synchronization
import SlinkyTestSupport
import Testing
@testable import SlinkyCore

/// How a test step computes its fingerprint (a wrapper so trailing closures always mean the step's body).
struct FingerprintRule: Sendable {
    let compute: @Sendable (StepContext) -> String
    static func of(_ compute: @escaping @Sendable (StepContext) -> String) -> FingerprintRule { FingerprintRule(compute: compute) }
}

/// What a test step's `verify` answers.
struct VerificationRule: Sendable {
    let compute: @Sendable () -> Verification
    static func of(_ compute: @escaping @Sendable () -> Verification) -> VerificationRule { VerificationRule(compute: compute) }
}

/// An in-memory step: records each call in a `CallLog` and does whatever its closures say.
struct TestStep: PipelineStep {
    let id: StepID
    let title: String
    let dependencies: [StepID]
    let alwaysRuns: Bool
    let calls: CallLog
    let fingerprintOf: @Sendable (StepContext) -> String
    let verification: @Sendable () -> Verification
    let body: @Sendable (StepContext) async throws -> StepResult

    init(
        _ id: StepID, after dependencies: [StepID] = [], alwaysRuns: Bool = false, calls: CallLog,
        fingerprint: FingerprintRule = .of { _ in "fixed" },
        verification: VerificationRule = .of { .holds },
        body: @escaping @Sendable (StepContext) async throws -> StepResult = { _ in StepResult() }
    ) {
        self.id = id
        self.title = "step \(id)"
        self.dependencies = dependencies
        self.alwaysRuns = alwaysRuns
        self.calls = calls
        self.fingerprintOf = fingerprint.compute
        self.verification = verification.compute
        self.body = body
    }

    func fingerprint(_ context: StepContext) async throws -> String { fingerprintOf(context) }

    func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        calls.append("verify:\(id)")
        return verification()
    }

    func run(_ context: StepContext) async throws -> StepResult {
        calls.append("run:\(id)")
        return try await body(context)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Everything one pipeline run needs, in its own temp directory; `journalPath` survives between runs.
struct PipelineHarness {
    let directory: TempDirectory
    var journalPath: String { directory.file("journal.json") }
    var logDirectory: String { directory.file("logs") }

    init() throws {
        directory = try TempDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("logs"), withIntermediateDirectories: true)
    }

    /// Runs `steps` as a fresh process would: a new JournalStore over the same file, a new board.
    func run(
        _ steps: [any PipelineStep], satisfied: Set<StepID> = [], reconcile: Bool = false,
        interrupts: InterruptController = InterruptController(onNotice: { _ in }),
        events: RecordingEventSink = RecordingEventSink(), board: OutputsBoard = OutputsBoard()
    ) async throws -> Pipeline.Outcome {
        let pipeline = try Pipeline(phase: .install, steps: steps, satisfied: satisfied)
        let journal = try JournalStore(path: journalPath, cluster: "unit")
        return await pipeline.run(
            journal: journal, events: events, logDirectory: logDirectory, reconcile: reconcile,
            interrupts: interrupts, board: board)
    }

    func journal() throws -> Journal {
        try #require(try JournalStore.load(path: journalPath))
    }
}

extension Pipeline.Outcome {
    func outcome(_ id: StepID) -> StepOutcome? { reports.first { $0.id == id }?.outcome }
}

@Suite("Pipeline ordering")
struct PipelineOrderTests {
    let calls = CallLog()

    @Test("independent steps keep their declaration order")
    func declarationOrder() throws {
        let steps = ["x", "y", "z", "a"].map { TestStep($0, calls: calls) }
        #expect(try Pipeline.order(steps) == ["x", "y", "z", "a"])
    }

    @Test("a step declared before its dependency is placed after it, the rest keep declaration order")
    func dependenciesFirst() throws {
        let steps = [
            TestStep("c", after: ["a"], calls: calls),
            TestStep("a", calls: calls),
            TestStep("b", calls: calls),
            TestStep("d", after: ["c", "b"], calls: calls),
            TestStep("e", calls: calls),
        ]
        let order = try Pipeline.order(steps)
        #expect(order == ["a", "c", "b", "d", "e"])
        for step in steps {
            for dependency in step.dependencies {
                let before = try #require(order.firstIndex(of: dependency))
                let after = try #require(order.firstIndex(of: step.id))
                #expect(before < after, "\(dependency) must come before \(step.id)")
            }
        }
    }

    @Test("a dependency on an unknown step is rejected, naming both steps")
    func unknownDependency() {
        let steps = [TestStep("a", calls: calls), TestStep("b", after: ["ghost"], calls: calls)]
        let error = #expect(throws: SlinkyError.self) { try Pipeline.order(steps) }
        #expect(error?.message.contains("ghost") == true)
        #expect(error?.message.contains("b") == true)
        #expect(throws: SlinkyError.self) { try Pipeline(phase: .install, steps: steps) }
    }

    @Test("a step id declared twice is rejected")
    func duplicateID() {
        let steps = [TestStep("a", calls: calls), TestStep("b", calls: calls), TestStep("a", calls: calls)]
        let error = #expect(throws: SlinkyError.self) { try Pipeline.order(steps) }
        #expect(error?.message.contains("twice") == true)
    }

    @Test("a dependency cycle is rejected, naming the steps in it")
    func cycle() {
        let steps = [
            TestStep("free", calls: calls),
            TestStep("a", after: ["c"], calls: calls),
            TestStep("b", after: ["a"], calls: calls),
            TestStep("c", after: ["b"], calls: calls),
        ]
        let error = #expect(throws: SlinkyError.self) { try Pipeline.order(steps) }
        let message = error?.message ?? ""
        #expect(message.contains("cycle"))
        #expect(message.contains("a") && message.contains("b") && message.contains("c"))
        #expect(!message.contains("free"))
        #expect(throws: SlinkyError.self) { try Pipeline(phase: .install, steps: steps) }
    }

    @Test("a self-dependency is a cycle")
    func selfCycle() {
        #expect(throws: SlinkyError.self) { try Pipeline.order([TestStep("a", after: ["a"], calls: calls)]) }
    }

    @Test("satisfied dependencies count as placed, and are not part of the order")
    func satisfiedInOrder() throws {
        let steps = [TestStep("b", after: ["prelude"], calls: calls), TestStep("a", calls: calls)]
        #expect(throws: SlinkyError.self) { try Pipeline.order(steps) }
        #expect(try Pipeline.order(steps, satisfied: ["prelude"]) == ["b", "a"])
    }
}

@Suite("Pipeline execution")
struct PipelineRunTests {
    @Test("steps run after their dependencies and every step succeeds")
    func runsInDependencyOrder() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let steps = [
            TestStep("c", after: ["b"], calls: calls),
            TestStep("b", after: ["a"], calls: calls),
            TestStep("a", calls: calls),
        ]
        let outcome = try await h.run(steps)
        #expect(outcome.succeeded)
        #expect(calls.runs == ["a", "b", "c"])
        #expect(outcome.reports.map(\.id) == ["c", "b", "a"], "reports follow declaration order")
        #expect(outcome.reports.allSatisfy { $0.outcome == .done })
    }

    @Test("independent steps run at the same time")
    func independentStepsOverlap() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let aStarted = Latch(), bStarted = Latch()
        // Each waits for the other to have started: run one after the other, the first would time out.
        let steps = [
            TestStep("a", calls: calls) { _ in
                aStarted.open()
                guard await bStarted.wait() else { throw TestFailure(description: "b never started while a ran") }
                return StepResult()
            },
            TestStep("b", calls: calls) { _ in
                bStarted.open()
                guard await aStarted.wait() else { throw TestFailure(description: "a never started while b ran") }
                return StepResult()
            },
            TestStep("after", after: ["a", "b"], calls: calls),
        ]
        let outcome = try await h.run(steps)
        #expect(outcome.succeeded)
        #expect(outcome.outcome("a") == .done)
        #expect(outcome.outcome("b") == .done)
        #expect(calls.runs.last == "after")
    }

    @Test("a failure stops dependents from starting while a running sibling finishes")
    func failureStopsDependents() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let siblingStarted = Latch()
        let journalPath = h.journalPath
        let steps = [
            TestStep("fails", calls: calls) { _ in
                guard await siblingStarted.wait() else { throw TestFailure(description: "sibling never started") }
                throw SlinkyError.precondition("boom", hint: "")
            },
            TestStep("sibling", calls: calls) { _ in
                siblingStarted.open()
                // Still running when the failure has been recorded: wait until the journal says so.
                let deadline = ContinuousClock.now + .seconds(30)
                while (try? JournalStore.load(path: journalPath))?.install["fails"]?.state != .failed {
                    if ContinuousClock.now >= deadline { throw TestFailure(description: "failure never recorded") }
                    try await Task.sleep(for: .milliseconds(5))
                }
                return StepResult(outputs: ["finished": "yes"])
            },
            TestStep("dependent", after: ["fails"], calls: calls),
            TestStep("grandchild", after: ["dependent"], calls: calls),
        ]
        let events = RecordingEventSink()
        let outcome = try await h.run(steps, events: events)

        #expect(!outcome.succeeded)
        #expect(outcome.failure?.step == "fails")
        #expect(outcome.failure?.error == .precondition("boom", hint: ""))
        #expect(outcome.outcome("fails") == .failed)
        #expect(outcome.outcome("sibling") == .done)
        #expect(outcome.outcome("dependent") == .notStarted)
        #expect(outcome.outcome("grandchild") == .notStarted)
        #expect(!calls.runs.contains("dependent"))
        #expect(!calls.runs.contains("grandchild"))
        #expect(!events.startedSteps.contains("dependent"))

        let journal = try h.journal()
        #expect(journal.install["fails"]?.state == .failed)
        #expect(journal.install["fails"]?.error == "boom")
        #expect(journal.install["sibling"]?.state == .succeeded)
        #expect(journal.install["sibling"]?.outputs == ["finished": "yes"])
        #expect(journal.install["dependent"] == nil)
    }

    @Test("an error that is not a SlinkyError is reported as the step's failure")
    func foreignError() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let outcome = try await h.run([
            TestStep("a", calls: calls) { _ in throw TestFailure(description: "disk on fire") },
        ])
        guard case .stepFailed(let step, let underlying)? = outcome.failure?.error else {
            Issue.record("expected stepFailed, got \(String(describing: outcome.failure))")
            return
        }
        #expect(step == "a")
        #expect(underlying.contains("disk on fire"))
        #expect(outcome.reports.first?.error?.contains("disk on fire") == true)
    }

    @Test("on a second run, succeeded steps with unchanged fingerprints are up to date and not run, and their outputs reach later steps")
    func secondRunSkips() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let seenByConsumer = Shared<[String]>([])
        func steps() -> [any PipelineStep] {
            [
                TestStep("producer", calls: calls) { _ in StepResult(outputs: ["uri": "repo.example/x"]) },
                // alwaysRuns, so it reads the board on the second run too.
                TestStep("consumer", after: ["producer"], alwaysRuns: true, calls: calls) { context in
                    let uri = try context.require("producer", "uri")
                    seenByConsumer.value.append(uri)
                    return StepResult()
                },
            ]
        }
        let first = try await h.run(steps())
        #expect(first.succeeded)
        #expect(calls.runs == ["producer", "consumer"])

        let events = RecordingEventSink()
        let board = OutputsBoard()
        let second = try await h.run(steps(), events: events, board: board)
        #expect(second.succeeded)
        #expect(second.outcome("producer") == .upToDate)
        #expect(second.reports.first { $0.id == "producer" }?.outputs == ["uri": "repo.example/x"])
        #expect(calls.runs == ["producer", "consumer", "consumer"], "producer's run was not called again")
        #expect(calls.count("verify:producer") == 1)
        #expect(seenByConsumer.value == ["repo.example/x", "repo.example/x"])
        #expect(board.get("producer", "uri") == "repo.example/x")
        #expect(!events.startedSteps.contains("producer"))
        #expect(try h.journal().install["producer"]?.verifiedAt != nil)
    }

    @Test("a changed fingerprint re-runs that step and the dependents whose fingerprint reads its outputs, nothing else")
    func changedFingerprint() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let sourceInput = Shared("v1")
        let sourceOutput = Shared("out-1")
        func steps() -> [any PipelineStep] {
            [
                TestStep("source", calls: calls, fingerprint: .of { _ in sourceInput.value }) { _ in
                    StepResult(outputs: ["value": sourceOutput.value])
                },
                TestStep("reader", after: ["source"], calls: calls,
                         fingerprint: .of { $0.output("source", "value") ?? "<none>" }),
                TestStep("unrelated", calls: calls),
                TestStep("fixed-dependent", after: ["source"], calls: calls),
            ]
        }
        #expect(try await h.run(steps()).succeeded)
        #expect(Set(calls.runs) == ["source", "reader", "unrelated", "fixed-dependent"])

        // Input changes and so does the output: source and reader run again.
        sourceInput.value = "v2"
        sourceOutput.value = "out-2"
        let before = calls.runs.count
        let second = try await h.run(steps())
        #expect(second.succeeded)
        #expect(Array(calls.runs.dropFirst(before)) == ["source", "reader"])
        #expect(second.outcome("source") == .done)
        #expect(second.outcome("reader") == .done)
        #expect(second.outcome("unrelated") == .upToDate)
        #expect(second.outcome("fixed-dependent") == .upToDate)
        #expect(try h.journal().install["source"]?.fingerprint == "v2")

        // Input changes but the output does not: only source runs.
        sourceInput.value = "v3"
        let before3 = calls.runs.count
        let third = try await h.run(steps())
        #expect(Array(calls.runs.dropFirst(before3)) == ["source"])
        #expect(third.outcome("reader") == .upToDate)
    }

    @Test("verify reporting drift re-runs the step and says why")
    func driftReruns() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let verdict = Shared<Verification>(.holds)
        func steps() -> [any PipelineStep] {
            [TestStep("a", calls: calls, verification: .of { verdict.value }) { _ in StepResult(outputs: ["n": "\(calls.runs.count)"]) }]
        }
        #expect(try await h.run(steps()).succeeded)
        verdict.value = .drifted("the bucket is gone")
        let events = RecordingEventSink()
        let second = try await h.run(steps(), events: events)
        #expect(second.outcome("a") == .done)
        #expect(calls.runs == ["a", "a"])
        #expect(calls.count("verify:a") == 1)
        #expect(events.notes.contains { $0.contains("the bucket is gone") })
        #expect(try h.journal().install["a"]?.outputs == ["n": "2"])
    }

    @Test("reconcile runs every step without consulting the journal")
    func reconcileRunsAll() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let reconcileSeen = Shared<[Bool]>([])
        func steps() -> [any PipelineStep] {
            [
                TestStep("a", calls: calls) { context in
                    reconcileSeen.value.append(context.reconcile)
                    return StepResult()
                },
                TestStep("b", after: ["a"], calls: calls),
            ]
        }
        #expect(try await h.run(steps()).succeeded)
        let second = try await h.run(steps(), reconcile: true)
        #expect(second.reports.map(\.outcome) == [.done, .done])
        #expect(calls.runs == ["a", "b", "a", "b"])
        #expect(calls.count("verify:a") == 0)
        #expect(reconcileSeen.value == [false, true])
    }

    @Test("an alwaysRuns step runs on every run while its neighbours are up to date")
    func alwaysRuns() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        func steps() -> [any PipelineStep] {
            [TestStep("preflight", alwaysRuns: true, calls: calls), TestStep("work", after: ["preflight"], calls: calls)]
        }
        #expect(try await h.run(steps()).succeeded)
        let second = try await h.run(steps())
        #expect(second.outcome("preflight") == .done)
        #expect(second.outcome("work") == .upToDate)
        #expect(calls.runs == ["preflight", "work", "preflight"])
        #expect(calls.count("verify:preflight") == 0)
    }

    @Test("a failed step runs again next time and the run continues from the first unfinished step")
    func resumesAfterFailure() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let broken = Shared(true)
        func steps() -> [any PipelineStep] {
            [
                TestStep("one", calls: calls),
                TestStep("two", after: ["one"], calls: calls) { _ in
                    if broken.value { throw SlinkyError.precondition("not yet", hint: "") }
                    return StepResult()
                },
                TestStep("three", after: ["two"], calls: calls),
            ]
        }
        let first = try await h.run(steps())
        #expect(first.failure?.step == "two")
        #expect(first.reports.map(\.outcome) == [.done, .failed, .notStarted])
        let afterFirst = try h.journal()
        #expect(afterFirst.install["one"]?.state == .succeeded)
        #expect(afterFirst.install["two"]?.state == .failed)
        #expect(afterFirst.install["two"]?.error == "not yet")
        #expect(afterFirst.install["three"] == nil)

        broken.value = false
        let second = try await h.run(steps())
        #expect(second.succeeded)
        #expect(second.reports.map(\.outcome) == [.upToDate, .done, .done])
        #expect(calls.runs == ["one", "two", "two", "three"])
        let afterSecond = try h.journal()
        #expect(afterSecond.install["two"]?.state == .succeeded)
        #expect(afterSecond.install["two"]?.error == nil)
    }

    @Test("a step the journal left running (as after kill -9) runs again")
    func runningIsRerun() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let store = try JournalStore(path: h.journalPath, cluster: "unit")
        try await store.update { j in
            var done = StepRecord(state: .succeeded)
            done.fingerprint = "fixed"
            done.outputs = ["k": "v"]
            j.install["done"] = done
            var killed = StepRecord(state: .running)
            killed.fingerprint = "fixed"
            killed.startedAt = Date(timeIntervalSinceNow: -60)
            j.install["killed"] = killed
        }
        let outcome = try await h.run([TestStep("done", calls: calls), TestStep("killed", after: ["done"], calls: calls)])
        #expect(outcome.outcome("done") == .upToDate)
        #expect(outcome.outcome("killed") == .done)
        #expect(calls.runs == ["killed"])
        #expect(try h.journal().install["killed"]?.state == .succeeded)
    }

    @Test("an interrupted step in the journal runs again")
    func interruptedIsRerun() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let store = try JournalStore(path: h.journalPath, cluster: "unit")
        try await store.update { j in
            var record = StepRecord(state: .interrupted)
            record.fingerprint = "fixed"
            j.install["a"] = record
        }
        let outcome = try await h.run([TestStep("a", calls: calls)])
        #expect(outcome.outcome("a") == .done)
        #expect(calls.runs == ["a"])
    }

    @Test("the journal is a version 1 JSON file with each step's state, fingerprint, outputs and duration")
    func journalWritten() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        _ = try await h.run([
            TestStep("good", calls: calls, fingerprint: .of { _ in "fp-good" }) { _ in StepResult(outputs: ["answer": "42"]) },
            TestStep("bad", calls: calls) { _ in throw SlinkyError.precondition("nope", hint: "") },
        ])
        let data = try #require(FileManager.default.contents(atPath: h.journalPath))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(object["cluster"] as? String == "unit")
        let install = try #require(object["install"] as? [String: Any])
        let good = try #require(install["good"] as? [String: Any])
        #expect(good["state"] as? String == "succeeded")
        #expect(good["fingerprint"] as? String == "fp-good")
        #expect(good["outputs"] as? [String: String] == ["answer": "42"])
        let duration = try #require(good["durationSeconds"] as? Double)
        #expect(duration >= 0)
        #expect(good["startedAt"] is String && good["finishedAt"] is String)
        let logPath = try #require(good["logPath"] as? String)
        #expect(logPath == "\(h.logDirectory)/good.log")
        #expect(FileManager.default.fileExists(atPath: logPath))
        let bad = try #require(install["bad"] as? [String: Any])
        #expect(bad["state"] as? String == "failed")
        #expect(bad["error"] as? String == "nope")
        #expect(bad["durationSeconds"] is Double)

        let attributes = try FileManager.default.attributesOfItem(atPath: h.journalPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a journal written by a newer slinky is refused with a clear error")
    func newerJournalRefused() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("journal.json")
        try Data(#"{"version": 2, "cluster": "unit", "install": {}, "cleanup": {}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SlinkyError.self) { try JournalStore(path: path, cluster: "unit") }
        #expect(error?.message.contains("newer slinky") == true)
        #expect(error?.message.contains("2") == true)
        #expect(error?.hint?.contains("upgrade") == true)
        #expect(error?.exitStatus == .stepFailed)
    }

    @Test("a journal that is not JSON is refused rather than silently replaced")
    func garbageJournalRefused() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("journal.json")
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SlinkyError.self) { try JournalStore.load(path: path) }
        #expect(error?.message.contains("not readable JSON") == true)
        #expect(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) == "not json")
    }

    @Test("a dry-run journal store never writes its file")
    func dryRunStoreDoesNotPersist() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("journal.json")
        let store = try JournalStore(path: path, cluster: "unit", initial: nil)
        try await store.update { $0.lastResult = "running" }
        #expect(await store.current.lastResult == "running")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("satisfied dependencies are treated as done")
    func satisfiedDependencies() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let board = OutputsBoard(["identity": ["account": "123456789012"]])
        let seen = Shared<String?>(nil)
        let outcome = try await h.run(
            [TestStep("uses-prelude", after: ["identity"], calls: calls) { context in
                seen.value = context.output("identity", "account")
                return StepResult()
            }],
            satisfied: ["identity"], board: board)
        #expect(outcome.succeeded)
        #expect(outcome.outcome("uses-prelude") == .done)
        #expect(seen.value == "123456789012")
    }

    @Test("a stop requested before the run starts no steps")
    func stopBeforeRun() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let interrupts = InterruptController(onNotice: { _ in })
        interrupts.handle(signal: SIGINT)
        let outcome = try await h.run([TestStep("a", calls: calls)], interrupts: interrupts)
        #expect(calls.runs.isEmpty)
        #expect(outcome.outcome("a") == .notStarted)
    }

    @Test("a step whose work finishes after a stop request is recorded as interrupted, and dependents do not start")
    func stopDuringStep() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let interrupts = InterruptController(onNotice: { _ in })
        let outcome = try await h.run([
            TestStep("a", calls: calls) { _ in
                interrupts.handle(signal: SIGTERM)
                return StepResult()
            },
            TestStep("b", after: ["a"], calls: calls),
        ], interrupts: interrupts)
        #expect(outcome.interrupted)
        #expect(!outcome.succeeded)
        #expect(outcome.outcome("a") == .interrupted)
        #expect(outcome.outcome("b") == .notStarted)
        #expect(try h.journal().install["a"]?.state == .interrupted)
    }

    @Test("each step writes its own log file in the log directory, with a header and its notes")
    func stepLogs() async throws {
        let h = try PipelineHarness()
        defer { h.directory.remove() }
        let calls = CallLog()
        let events = RecordingEventSink()
        _ = try await h.run([
            TestStep("a", calls: calls) { context in
                context.note("hello from a")
                context.log.line("child output", isError: false)
                return StepResult()
            },
        ], events: events)
        let text = try String(contentsOfFile: "\(h.logDirectory)/a.log", encoding: .utf8)
        #expect(text.contains("== step a"))
        #expect(text.contains("note: hello from a"))
        #expect(text.contains("child output"))
        #expect(events.notes == ["hello from a"])
        #expect(events.events.contains { if case .stepOutput("a", "child output") = $0 { true } else { false } })
        #expect(events.finishedReports.map(\.id) == ["a"])
    }
}

@Suite("Fingerprint")
struct FingerprintTests {
    @Test("labels, values and their order all change the hash")
    func sensitivity() {
        func hash(_ parts: [(String, String?)]) -> String {
            var f = Fingerprint()
            for (label, value) in parts { f.add(label, value) }
            return f.value
        }
        let base = hash([("a", "1"), ("b", "2")])
        #expect(base == hash([("a", "1"), ("b", "2")]))
        #expect(base != hash([("b", "2"), ("a", "1")]))
        #expect(base != hash([("a", "1"), ("c", "2")]))
        #expect(base != hash([("a", "1"), ("b", "3")]))
        #expect(hash([("a", nil)]) != hash([("a", "")]))
        #expect(base.count == 64)
    }
}
