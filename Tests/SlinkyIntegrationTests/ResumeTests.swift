import Foundation
import Testing

extension SandboxTests {
    @Suite("Resuming after a kill, next to another cluster")
    struct Resume {
        @Test("kill -9 during terraform, then a re-run finishes the install; a second cluster from the same checkout is untouched")
        func killDuringTerraformThenResume() async throws {
            let ws = try Workspace(prefix: "kill")
            defer { ws.remove() }
            let repository = "it-\(Sandbox.uniqueSuffix())"
            let binary = try #require(Sandbox.binary)

            // A second cluster in the same state folder, installed first, proves side-by-side isolation.
            let neighbour = try Workspace(prefix: "side")
            defer { neighbour.remove() }
            let neighbourArgs = ["--name", neighbour.cluster, "--blueprint", ws.blueprint, "--state-dir", ws.stateBase, "--output", "json"]

            // Ctrl-C: terraform gets exactly one SIGINT, finishes cleanly, the step is recorded as interrupted.
            let (first, firstOut, firstErr) = try Runner.start(
                binary, ws.installArguments(repository: repository), currentDirectory: Sandbox.projectRoot)
            let reachedVPC = try await waitUntil(timeout: 300) { ws.stepState("install", "terraform-vpc") == "running" }
            try #require(reachedVPC, "the install should reach the VPC apply")
            try await Task.sleep(for: .seconds(3))
            kill(first.processIdentifier, SIGINT)
            let interrupted = await Runner.finish(first, firstOut, firstErr)
            #expect(interrupted.exitCode == 130, interrupted.diagnostics)
            #expect(ws.stepState("install", "terraform-vpc") == "interrupted")
            #expect(interrupted.hint.contains("again to continue from step"), interrupted.diagnostics)
            let vpcLog = try logText(ws, step: "terraform-vpc")
            #expect(vpcLog.contains("Interrupt received"), "terraform saw the interrupt")
            #expect(!vpcLog.contains("Two interrupts received"), "terraform must get exactly one SIGINT")

            let (process, out, err) = try Runner.start(
                binary, ws.installArguments(repository: repository), currentDirectory: Sandbox.projectRoot)
            let reachedTerraform = try await waitUntil(timeout: 300) {
                ws.stepState("install", "terraform-eks") == "running"
            }
            try #require(reachedTerraform, "the install should reach a terraform apply")
            try await Task.sleep(for: .seconds(2))
            kill(process.processIdentifier, SIGKILL)
            let killed = await Runner.finish(process, out, err)
            #expect(killed.exitCode == 9 || killed.exitCode == 137 || process.terminationReason == .uncaughtSignal)

            let interruptedStep = ["terraform-eks", "terraform-vpc"].first { ws.stepState("install", $0) == "running" }
            #expect(interruptedStep != nil, "the journal still shows the killed step as running")

            // The lock of the killed run is taken over; terraform's own lock makes the re-run wait for the
            // apply the killed run left behind.
            let resumed = try await Runner.slinky(ws.installArguments(repository: repository))
            try #require(resumed.exitCode == 0, resumed.diagnostics)
            if let interruptedStep { #expect(resumed.outcomes[interruptedStep] == "done") }
            #expect(resumed.outcomes["ecr-repository"] == "up-to-date")
            #expect(resumed.outcomes["ssh-key"] == "up-to-date")
            #expect(resumed.outcomes["terraform-apply"] == "done")
            let journal = try ws.journal()
            let install = try #require(journal["install"] as? [String: [String: Any]])
            #expect(install.values.allSatisfy { $0["state"] as? String == "succeeded" })

            // Side by side: a cluster with another name, same checkout and state folder, its own journal.
            let sideInstall = try await Runner.slinky(["install"] + neighbourArgs + ["--yes", "--skip-setup"])
            try #require(sideInstall.exitCode == 0, sideInstall.diagnostics)
            #expect(sideInstall.outputs(of: "terraform-apply")["cluster_name"] == neighbour.cluster)
            let kept = try await Runner.slinky(["status", "--name", ws.cluster, "--state-dir", ws.stateBase, "--blueprint", ws.blueprint, "--output", "json"])
            #expect(kept.exitCode == 0, "the first cluster is still installed: \(kept.stdout)")

            let sideCleanup = try await Runner.slinky(["cleanup"] + neighbourArgs + ["--yes"])
            #expect(sideCleanup.exitCode == 0, sideCleanup.diagnostics)
            let stillThere = try await Runner.aws(["eks", "describe-cluster", "--name", ws.cluster])
            #expect(stillThere.0 == 0, "cleaning the neighbour must not touch the first cluster")

            let cleanup = try await Runner.slinky(["cleanup"] + ws.clusterArguments + ["--yes"])
            #expect(cleanup.exitCode == 0, cleanup.diagnostics)
        }
    }
}

/// The newest log of `step` for the workspace's cluster.
func logText(_ ws: Workspace, step: String) throws -> String {
    let logs = "\(ws.stateDirectory)/logs"
    let runs = try FileManager.default.contentsOfDirectory(atPath: logs).sorted()
    for run in runs.reversed() {
        if let text = try? String(contentsOfFile: "\(logs)/\(run)/\(step).log", encoding: .utf8) { return text }
    }
    return ""
}
