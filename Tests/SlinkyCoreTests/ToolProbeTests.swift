import Foundation
import Testing
@testable import SlinkyCore

/// A tool that is on PATH but broken is reported as failing, with its command and stderr, not as missing.
@Suite("Tool probes: working, missing, installed but failing")
struct ToolProbeTests {
    let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))

    /// FAKE, named as such: an `aws` whose Python libraries were replaced under it, as seen on a real machine.
    static func writeFakeBrokenAWS(in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent("aws")
        try """
            #!/bin/sh
            echo 'Traceback (most recent call last):' >&2
            echo '  File "/usr/local/bin/aws", line 19, in <module>' >&2
            echo "ImportError: cannot import name 'register_feature_id' from 'botocore.useragent'" >&2
            exit 1
            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test("a version command that exits 1 is 'installed but failing', naming the command and the ImportError")
    func brokenToolIsFailingNotMissing() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fake = try Self.writeFakeBrokenAWS(in: dir.path)
        var tool = ToolCatalog.aws
        tool.name = fake
        let probe = try await ToolCatalog.probe(tool, runner: runner, log: nil)
        guard case .failing(let failure) = probe else {
            Issue.record("expected failing, got \(probe)")
            return
        }
        #expect(failure.commandLine == "\(fake) --version")
        #expect(failure.exitDescription == "exited with status 1")
        #expect(failure.stderrTail.last?.contains("ImportError: cannot import name 'register_feature_id'") == true)

        await #expect(throws: SlinkyError.self) { try await ToolCatalog.requireWorking(tool, runner: runner, log: nil) }
        do {
            _ = try await ToolCatalog.requireWorking(tool, runner: runner, log: nil)
        } catch let error as SlinkyError {
            #expect(error.exitStatus == .unavailable)
            #expect(error.message.hasPrefix("\(fake) is installed but failing: `\(fake) --version` exited with status 1: "))
            #expect(error.message.contains("ImportError"))
            #expect(error.hint?.contains("repair or reinstall") == true)
        }
    }

    @Test("a tool that is not there is missing; one that answers gives its first version line")
    func missingAndWorking() async throws {
        var missing = ToolCatalog.terraform
        missing.name = "/nonexistent/terraform-\(UUID().uuidString.prefix(6))"
        #expect(try await ToolCatalog.probe(missing, runner: runner, log: nil) == .missing)
        let shell = ToolCatalog.Tool(name: "/bin/sh", versionArguments: ["-c", "echo 'Tool v1.2.3'; echo more"], installHint: "")
        #expect(try await ToolCatalog.probe(shell, runner: runner, log: nil) == .working(version: "Tool v1.2.3"))
    }
}
