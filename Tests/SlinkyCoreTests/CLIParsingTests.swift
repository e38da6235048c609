import ArgumentParser
import Foundation
import Testing
@testable import SlinkyCLI
@testable import SlinkyCore

@Suite("Command-line parsing")
struct CLIParsingTests {
    @Test("install accepts the old scripts' flags")
    func oldScriptFlags() throws {
        let command = try SlinkyCommand.parseAsRoot([
            "install", "--repo-name", "x", "--tag", "t", "--region", "us-east-1", "--skip-build", "--skip-repo", "--skip-setup",
        ])
        let install = try #require(command as? Install)
        #expect(install.image.repoName == "x")
        #expect(install.image.tag == "t")
        #expect(install.cluster.region == "us-east-1")
        #expect(install.skipBuild)
        #expect(install.skipRepo)
        #expect(install.skipSetup)
        #expect(!install.rebuild)
    }

    @Test("--skip-build together with --rebuild is rejected")
    func contradictoryFlags() {
        #expect(throws: (any Error).self) {
            try SlinkyCommand.parseAsRoot(["install", "--skip-build", "--rebuild"])
        }
        #expect(throws: Never.self) { try SlinkyCommand.parseAsRoot(["install", "--rebuild"]) }
    }

    @Test("cluster and run options parse on cleanup and status")
    func otherCommands() throws {
        let cleanup = try #require(try SlinkyCommand.parseAsRoot(["cleanup", "--name", "c2", "--yes", "--dry-run"]) as? Cleanup)
        #expect(cleanup.cluster.name == "c2")
        #expect(cleanup.run.yes)
        #expect(cleanup.run.dryRun)
        #expect(!cleanup.run.reconcile)
        let status = try #require(try SlinkyCommand.parseAsRoot(["status", "--output", "json", "--state-dir", "/s"]) as? Status)
        #expect(status.cluster.stateDir == "/s")
        #expect(try status.cluster.outputFormat([:]) == .json)
    }

    @Test("an unknown flag is rejected")
    func unknownFlag() {
        #expect(throws: (any Error).self) { try SlinkyCommand.parseAsRoot(["install", "--no-such-flag"]) }
    }

    @Test("--output accepts only text or json, and SLINKY_OUTPUT is the fallback")
    func outputFormat() throws {
        let bad = try #require(try SlinkyCommand.parseAsRoot(["status", "--output", "yaml"]) as? Status)
        #expect(throws: (any Error).self) { try bad.cluster.outputFormat([:]) }
        let plain = try #require(try SlinkyCommand.parseAsRoot(["status"]) as? Status)
        #expect(try plain.cluster.outputFormat(["SLINKY_OUTPUT": "json"]) == .json)
        #expect(try plain.cluster.outputFormat([:]) == .text)
    }

}
