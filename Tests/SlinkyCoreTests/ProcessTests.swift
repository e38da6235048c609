import Foundation
import Synchronization
import Testing
@testable import SlinkyCore

/// Records a child's lines and opens a latch when a chosen line arrives.
final class WatchingSink: OutputLineSink {
    private let lines = Mutex<[(String, Bool)]>([])
    private let watches: [String: Latch]

    init(_ watches: [String: Latch] = [:]) { self.watches = watches }

    func line(_ text: String, isError: Bool) {
        lines.withLock { $0.append((text, isError)) }
        watches[text]?.open()
    }

    var stdout: [String] { lines.withLock { $0.filter { !$0.1 }.map(\.0) } }
    var stderr: [String] { lines.withLock { $0.filter { $0.1 }.map(\.0) } }
}

private func makeRunner(_ interrupts: InterruptController = InterruptController(onNotice: { _ in })) -> ProcessRunner {
    ProcessRunner(redactor: Redactor(), interrupts: interrupts, installHint: ToolCatalog.installHint(for:))
}

@Suite("InterruptController")
struct InterruptControllerTests {
    @Test("handle(signal:) records the first signal and tells the user once per call")
    func recordsSignal() {
        let notices = Shared<[String]>([])
        let controller = InterruptController(onNotice: { notices.value.append($0) })
        #expect(controller.receivedSignal == nil)
        controller.handle(signal: SIGINT)
        #expect(controller.receivedSignal == SIGINT)
        controller.handle(signal: SIGTERM)
        #expect(controller.receivedSignal == SIGINT, "the first signal is the one that counts")
        #expect(notices.value.count == 2)
        #expect(notices.value[0].contains("stopping"))
        #expect(notices.value[1].contains("already asked"))
    }

    @Test("a running child receives exactly one SIGINT, exits on its own, and its output after the signal is kept")
    func forwardsOneInterrupt() async throws {
        let controller = InterruptController(onNotice: { _ in })
        let runner = makeRunner(controller)
        let ready = Latch()
        let sink = WatchingSink(["ready": ready])
        let script = #"trap "echo got-int; exit 7" INT; echo ready; while :; do sleep 0.1; done"#
        let run = Task { try await runner.run(Invocation("/bin/sh", ["-c", script]), sink: sink) }
        guard await ready.wait(timeout: .seconds(60)) else {
            run.cancel()
            Issue.record("the child never printed ready")
            return
        }
        controller.handle(signal: SIGINT)
        let result = try await withDeadlockGuard { try await run.value }
        #expect(result.exitCode == 7)
        #expect(result.standardOutput.split(separator: "\n").filter { $0 == "got-int" }.count == 1)
        #expect(sink.stdout == ["ready", "got-int"])
        #expect(controller.receivedSignal == SIGINT)
    }

    @Test("a second stop request is not forwarded to a child that was already interrupted")
    func secondRequestNotForwarded() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let go = dir.file("go")
        let controller = InterruptController(onNotice: { _ in })
        let runner = makeRunner(controller)
        let ready = Latch(), interrupted = Latch()
        let sink = WatchingSink(["ready": ready, "got-int": interrupted])
        // Keeps running after the interrupt until the test creates the go file.
        let script = #"trap 'echo got-int' INT; echo ready; while [ ! -e "$1" ]; do sleep 0.1; done; echo after-go; exit 7"#
        let run = Task { try await runner.run(Invocation("/bin/sh", ["-c", script, "sh", go]), sink: sink) }
        guard await ready.wait(timeout: .seconds(60)) else {
            run.cancel()
            Issue.record("the child never printed ready")
            return
        }
        controller.handle(signal: SIGINT)
        guard await interrupted.wait(timeout: .seconds(60)) else {
            _ = FileManager.default.createFile(atPath: go, contents: nil)
            Issue.record("the child never saw the first interrupt")
            return
        }
        controller.handle(signal: SIGINT)
        controller.handle(signal: SIGINT)
        // Give a wrongly forwarded signal every chance to arrive before the child is let go.
        try await Task.sleep(for: .milliseconds(300))
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        let result = try await withDeadlockGuard { try await run.value }
        #expect(result.exitCode == 7)
        #expect(sink.stdout.filter { $0 == "got-int" }.count == 1)
        #expect(sink.stdout.last == "after-go")
    }

    @Test("no new child is started once a stop was requested")
    func noStartAfterStop() async {
        let controller = InterruptController(onNotice: { _ in })
        controller.handle(signal: SIGINT)
        let error = await #expect(throws: SlinkyError.self) {
            try await makeRunner(controller).run(Invocation("/bin/sh", ["-c", "echo should-not-run"]))
        }
        #expect(error == .interrupted(signal: SIGINT))
    }
}

@Suite("ProcessRunner")
struct ProcessRunnerTests {
    @Test("stdout and stderr are drained together: 200k lines on each do not deadlock and all stdout is kept")
    func drainsBothStreams() async throws {
        let runner = makeRunner()
        // stderr first, then stdout, then stderr again: a runner reading one stream to its end first blocks the child.
        let script = "seq 1 100000 >&2; seq 1 200000; seq 100001 200000 >&2"
        let result = try await withDeadlockGuard {
            try await runner.run(Invocation("/bin/sh", ["-c", script]), captureOutput: true)
        }
        #expect(result.exitCode == 0)
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 200_000)
        #expect(lines.first == "1")
        #expect(lines.last == "200000")
        #expect(lines[99_999] == "100000")
        #expect(result.standardErrorTail.count == 40)
        #expect(result.standardErrorTail.last == "200000")
    }

    @Test("without captureOutput only the tail of stdout is kept, and the sink still sees every line")
    func tailOnly() async throws {
        let runner = makeRunner()
        let sink = WatchingSink()
        let result = try await runner.run(Invocation("/bin/sh", ["-c", "seq 1 1000"]), sink: sink, captureOutput: false)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count < 1000)
        #expect(lines.last == "1000")
        #expect(sink.stdout.count == 1000)
    }

    @Test("a secret on stdin reaches the child and is redacted in the captured output and in the step log")
    func secretOnStdin() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let secret = Secret("hunter2-very-secret-token")
        let runner = makeRunner()
        let logPath = dir.file("step.log")
        let log = StepLog(path: logPath, stepID: "login", events: nil)
        let result = try await runner.run(Invocation("cat", [], standardInput: secret), sink: log)
        log.close()
        #expect(result.exitCode == 0)
        #expect(result.standardOutput == "***")
        let logText = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(logText.contains("***"))
        #expect(!logText.contains(secret.value))

        // The child really got it: an upper-cased copy is not the registered secret, so it is not redacted.
        let shout = try await runner.run(Invocation("tr", ["a-z", "A-Z"], standardInput: secret))
        #expect(shout.standardOutput == secret.value.uppercased())
    }

    @Test("the secret never appears in the command line, nor in the secret's own descriptions")
    func secretNotInCommandLine() {
        let secret = Secret("hunter2-very-secret-token")
        let invocation = Invocation("docker", ["login", "--password-stdin", "r.example"], standardInput: secret)
        #expect(!invocation.commandLine.contains(secret.value))
        #expect(invocation.commandLine.hasSuffix("< <secret on stdin>"))
        #expect(!"\(secret)".contains(secret.value))
        #expect(!String(reflecting: secret).contains(secret.value))
    }

    @Test("short values are not registered as secrets, so ordinary words are not blanked out")
    func shortSecretsIgnored() {
        let redactor = Redactor()
        redactor.register(Secret("abc"))
        redactor.register(Secret("long-enough-secret"))
        #expect(redactor.redact("abc and long-enough-secret") == "abc and ***")
    }

    @Test("a missing executable throws toolMissing with an install hint")
    func missingTool() async {
        let name = "slinky-no-such-tool-\(UUID().uuidString.prefix(8))"
        let error = await #expect(throws: SlinkyError.self) {
            try await makeRunner().run(Invocation(name, ["--version"]))
        }
        guard case .toolMissing(let tool, let hint)? = error else {
            Issue.record("expected toolMissing, got \(String(describing: error))")
            return
        }
        #expect(tool == name)
        #expect(hint.contains(name))
        #expect(error?.exitStatus == .unavailable)
    }

    @Test("a missing executable given by absolute path also throws toolMissing, hinting by its base name")
    func missingToolByPath() async {
        let error = await #expect(throws: SlinkyError.self) {
            try await makeRunner().run(Invocation("/nonexistent-\(UUID().uuidString)/terraform", ["version"]))
        }
        guard case .toolMissing(_, let hint)? = error else {
            Issue.record("expected toolMissing, got \(String(describing: error))")
            return
        }
        #expect(hint == ToolCatalog.terraform.installHint)
    }

    @Test("an environment value of nil removes the variable from the child's environment")
    func environmentRemoval() async throws {
        setenv("SLINKY_UNIT_REMOVED", "present", 1)
        defer { unsetenv("SLINKY_UNIT_REMOVED") }
        let result = try await makeRunner().run(Invocation(
            "/bin/sh", ["-c", #"echo "[${SLINKY_UNIT_REMOVED-unset}]""#], environment: ["SLINKY_UNIT_REMOVED": nil]))
        #expect(result.standardOutput == "[unset]")
    }

    @Test("a non-zero exit is returned, not thrown, with the tail of stderr")
    func nonZeroExit() async throws {
        let script = "for i in $(seq 1 100); do echo err-$i >&2; done; echo partial; exit 3"
        let result = try await makeRunner().run(Invocation("/bin/sh", ["-c", script]))
        #expect(result.exitCode == 3)
        #expect(!result.succeeded)
        #expect(result.exitDescription == "exited with status 3")
        #expect(result.standardOutput == "partial")
        #expect(result.standardErrorTail.count == 40)
        #expect(result.standardErrorTail.first == "err-61")
        #expect(result.standardErrorTail.last == "err-100")
    }

    @Test("a child killed by a signal reports the signal")
    func killedBySignal() async throws {
        let result = try await makeRunner().run(Invocation("/bin/sh", ["-c", "kill -KILL $$"]))
        #expect(result.exitCode == nil)
        #expect(result.signal == SIGKILL)
        #expect(result.exitDescription.contains("signal 9"))
    }

    @Test("the child gets the invocation's environment and working directory, and the automation variables")
    func environmentAndDirectory() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let runner = ProcessRunner(
            redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }),
            baseEnvironment: ["SLINKY_BASE": "base", "SLINKY_OVERRIDDEN": "base"])
        let invocation = Invocation(
            "/bin/sh", ["-c", #"echo "$SLINKY_BASE|$SLINKY_OVERRIDDEN|$TF_IN_AUTOMATION|$TF_INPUT|[$AWS_PAGER]"; pwd -P"#],
            environment: ["SLINKY_OVERRIDDEN": "mine"], workingDirectory: dir.path)
        let result = try await runner.run(invocation)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "base|mine|1|0|[]")
        let realDir = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
        #expect(lines.last == realDir)
    }

    @Test("stdin is closed at once, so a child that reads it sees EOF instead of hanging")
    func stdinClosed() async throws {
        let result = try await withDeadlockGuard {
            try await makeRunner().run(Invocation("/bin/sh", ["-c", "if read x; then echo got-line; else echo eof; fi"]))
        }
        #expect(result.standardOutput == "eof")
    }
}

@Suite("Invocation.commandLine")
struct CommandLineTests {
    @Test("arguments are quoted only when they need it, environment comes first and sorted")
    func quoting() {
        let invocation = Invocation(
            "terraform", ["-chdir=/a b", "plain", "it's", ""], environment: ["B": "2", "A": "x y", "GONE": nil])
        #expect(invocation.commandLine == #"A='x y' B=2 terraform '-chdir=/a b' plain 'it'\''s' ''"#)
    }
}
