import Foundation
import Synchronization
import Testing
@testable import SlinkyCore

@Suite("Commands whose output goes straight to the step log")
struct FileBackedOutputTests {
    @Test("output lands in the log after what was there, is followed line by line, and the tail and exit status come back")
    func followsTheFile() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = dir.file("step.log")
        try "$ earlier line\n".write(toFile: log, atomically: true, encoding: .utf8)
        let seen = Mutex<[String]>([])
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        let result = try await runner.runWritingTo(
            Invocation("/bin/sh", ["-c", "echo one; echo two >&2; sleep 0.6; printf 'three'; exit 3"]), logPath: log
        ) { line in seen.withLock { $0.append(line) } }
        #expect(result.exitCode == 3)
        #expect(result.standardErrorTail == ["one", "two", "three"])
        #expect(seen.withLock { $0 } == ["one", "two", "three"])
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text == "$ earlier line\none\ntwo\nthree")
    }

    @Test("the child keeps running and writing after the log's reader is gone, because nothing it writes to can break")
    func childOutlivesReader() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = dir.file("step.log")
        let pidFile = dir.file("pid")
        // The shell starts a grandchild that writes to the same file long after the command returned; with a
        // pipe that grandchild would die of SIGPIPE once the reader closed its end.
        // It waits for the test's go-ahead, not a clock, so a slow machine cannot make it write too early.
        let goAhead = dir.file("go")
        let script = "( while [ ! -e \(goAhead) ]; do sleep 0.05; done; echo late-line ) & echo $! > \(pidFile); echo early-line"
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        let result = try await runner.runWritingTo(Invocation("/bin/sh", ["-c", script]), logPath: log) { _ in }
        #expect(result.exitCode == 0)
        let grandchild = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(grandchild, 0) == 0, "the grandchild is still running after the command returned")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "early-line\n", "it has not written its line yet")
        #expect(FileManager.default.createFile(atPath: goAhead, contents: nil))
        // A grandchild killed by SIGPIPE would never write it; this one does, after the first line.
        try await withDeadlockGuard {
            while !((try? String(contentsOfFile: log, encoding: .utf8))?.contains("late-line") ?? false) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "early-line\nlate-line\n")
    }

    @Test("StepLog appends without overwriting what a child wrote into the same file")
    func stepLogAppends() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("step.log")
        let log = StepLog(path: path, stepID: "s", events: nil)
        log.write("first")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        handle.write(Data("from-child\n".utf8))
        try handle.close()
        log.write("second")
        log.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\nfrom-child\nsecond\n")
    }
}
