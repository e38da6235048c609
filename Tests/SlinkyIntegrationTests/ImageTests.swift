import Foundation
import Synchronization
import SlinkyTestSupport
import Testing
import SlinkyCore

extension SandboxTests {
    @Suite("slinky image build, push and verify; the install image step against the real dockerd and registry")
    struct ImageTests {
        /// A repository of this test's own, created the way `slinky install` would, so no test touches another's.
        static func createRepository() async throws -> String {
            let name = "it-img-\(Sandbox.uniqueSuffix())"
            let (status, _) = try await Runner.aws(["ecr", "create-repository", "--repository-name", name])
            try #require(status == 0, "create-repository \(name)")
            return name
        }

        static func ecrDigest(_ repository: String, tag: String) async throws -> String? {
            let (_, described) = try await Runner.aws([
                "ecr", "describe-images", "--repository-name", repository, "--image-ids", "imageTag=\(tag)",
            ])
            return (described["imageDetails"] as? [[String: Any]])?.first?["imageDigest"] as? String
        }

        /// A copy of dockerfiles/ (the sandbox Dockerfile and its check script) that a test may change.
        static func copyDockerfiles(into ws: Workspace) throws -> String {
            let folder = "\(ws.root)/dockerfiles"
            try FileManager.default.copyItem(atPath: "\(Sandbox.projectRoot)/dockerfiles", toPath: folder)
            return "\(folder)/sandbox-slurmd.Dockerfile"
        }

        func image(_ action: String, _ ws: Workspace, repository: String, tag: String = "v1", dockerfile: String? = nil,
                   _ extra: [String] = []) -> [String] {
            ["image", action] + ws.clusterArguments
                + ["--repo-name", repository, "--tag", tag, "--dockerfile", dockerfile ?? ws.sandboxDockerfile] + extra
        }

        @Test("build, then push: ECR reports the digest the push printed; unchanged, neither runs again; verify passes")
        func buildPushVerify() async throws {
            let ws = try Workspace(prefix: "img")
            defer { ws.remove() }
            let repository = try await Self.createRepository()

            let built = try await Runner.slinky(image("build", ws, repository: repository))
            try #require(built.exitCode == 0, built.diagnostics)
            #expect(built.outcomes["image-build"] == "done", built.diagnostics)
            let buildOutputs = built.outputs(of: "image-build")
            #expect(buildOutputs["built"] == "yes")
            #expect(buildOutputs["builder"] == "classic", "the sandbox's dockerd has no buildx")
            let uri = "123456789012.dkr.ecr.us-west-2.amazonaws.com/\(repository)"
            #expect(buildOutputs["image"] == "\(uri):v1")
            #expect(try logText(ws, step: "image-build").contains("--platform linux/amd64"))

            let rebuilt = try await Runner.slinky(image("build", ws, repository: repository))
            try #require(rebuilt.exitCode == 0, rebuilt.diagnostics)
            #expect(rebuilt.outcomes["image-build"] == "up-to-date", "an unchanged build is not run again")
            #expect(rebuilt.outputs(of: "image-build")["image_id"] == buildOutputs["image_id"])

            let pushed = try await Runner.slinky(image("push", ws, repository: repository))
            try #require(pushed.exitCode == 0, pushed.diagnostics)
            #expect(pushed.outcomes["image-push"] == "done")
            let digest = try #require(pushed.outputs(of: "image-push")["digest"])
            #expect(digest.hasPrefix("sha256:"))
            #expect(try await Self.ecrDigest(repository, tag: "v1") == digest, "ECR's API agrees with docker push")
            let pushLog = try logText(ws, step: "image-push")
            #expect(pushLog.contains("--password-stdin"))

            let repushed = try await Runner.slinky(image("push", ws, repository: repository))
            try #require(repushed.exitCode == 0, repushed.diagnostics)
            #expect(repushed.outcomes["image-push"] == "up-to-date", "ECR already holds the local image")
            #expect(repushed.outputs(of: "image-push")["digest"] == digest)
            #expect(!(try logText(ws, step: "image-push")).contains("$ docker push"))

            let verified = try await Runner.slinky(image("verify", ws, repository: repository))
            try #require(verified.exitCode == 0, verified.diagnostics)
            #expect(verified.outputs(of: "image-verify")["passed"] == "yes")
            #expect(verified.outputs(of: "image-verify")["check.nccl"]?.hasPrefix("ok: 2.23.4") == true, verified.diagnostics)
            let next = verified.summary?["next"] as? [String] ?? []
            #expect(next.contains { $0.hasPrefix("ok   cuda:") }, "the check's own lines are shown")

            // Text output: one line per phase on stderr, the check's lines and the verdict on stdout.
            let text = try await Runner.slinky(Array(image("verify", ws, repository: repository).filter { $0 != "json" && $0 != "--output" }))
            #expect(text.exitCode == 0, text.diagnostics)
            #expect(text.stdout.contains("ok   torch: 2.6.0+cu126"), text.diagnostics)
            #expect(text.stderr.contains("Check the stack inside \(repository):v1"), text.diagnostics)

            // The registry password went over stdin only.
            let password = try await Runner.run("/usr/bin/env", ["aws", "ecr", "get-login-password"])
            let secret = password.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let grep = try await Runner.run("/usr/bin/env", ["grep", "-rlF", secret, ws.stateDirectory])
            #expect(grep.exitCode == 1, "files holding the registry password: \(grep.stdout)")
        }

        @Test("verify fails naming the failing check: a wrong expectation at run time, and an image built with a wrong version")
        func verifyFailure() async throws {
            let ws = try Workspace(prefix: "imgbad")
            defer { ws.remove() }
            let repository = try await Self.createRepository()
            let built = try await Runner.slinky(image("build", ws, repository: repository))
            try #require(built.exitCode == 0, built.diagnostics)

            let expectWrong = try await Runner.slinky(image("verify", ws, repository: repository, ["--expect", "NCCL=2.99.9"]))
            #expect(expectWrong.exitCode == 1, expectWrong.diagnostics)
            #expect(expectWrong.outcomes["image-verify"] == "failed")
            #expect(expectWrong.errorMessage.contains("nccl (2.23.4"), expectWrong.diagnostics)
            #expect(expectWrong.errorMessage.contains("expected 2.99.9"), expectWrong.diagnostics)
            #expect(!expectWrong.errorMessage.contains("cuda"), "only failing checks are named")
            let next = expectWrong.summary?["next"] as? [String] ?? []
            #expect(next.contains { $0.hasPrefix("FAIL nccl:") }, "every line of the check is shown under the error")

            // The build-time check guards the build itself: a version the base does not hold fails the build.
            let guarded = try await Runner.slinky(image("build", ws, repository: repository, tag: "guarded", ["--build-arg", "NCCL_VERSION=2.99.9"]))
            #expect(guarded.exitCode == 1, guarded.diagnostics)
            #expect(guarded.outcomes["image-build"] == "failed")
            #expect(try logText(ws, step: "image-build").contains("FAIL nccl"))

            // With that check switched off the broken image builds, and verify is what catches it.
            let broken = try await Runner.slinky(image(
                "build", ws, repository: repository, tag: "broken",
                ["--build-arg", "NCCL_VERSION=2.99.9", "--build-arg", "STACK_CHECK_AT_BUILD=0"]))
            try #require(broken.exitCode == 0, broken.diagnostics)
            let caught = try await Runner.slinky(image("verify", ws, repository: repository, tag: "broken"))
            #expect(caught.exitCode == 1, caught.diagnostics)
            #expect(caught.errorMessage.contains("stack check inside"), caught.diagnostics)
            #expect(caught.errorMessage.contains("nccl ("), caught.diagnostics)
        }

        @Test("clear errors: no repository, nothing built to push, nothing to verify")
        func clearErrors() async throws {
            let ws = try Workspace(prefix: "imgerr")
            defer { ws.remove() }
            let absent = "it-img-absent-\(Sandbox.uniqueSuffix())"
            let noRepository = try await Runner.slinky(image("build", ws, repository: absent))
            #expect(noRepository.exitCode == 1, noRepository.diagnostics)
            #expect(noRepository.errorMessage.contains("ECR repository \(absent) does not exist"), noRepository.diagnostics)
            #expect(noRepository.hint.contains("run slinky install or create it"), noRepository.diagnostics)

            let repository = try await Self.createRepository()
            let notBuilt = try await Runner.slinky(image("push", ws, repository: repository, tag: "never-built"))
            #expect(notBuilt.exitCode == 1, notBuilt.diagnostics)
            #expect(notBuilt.errorMessage.contains("no local image"), notBuilt.diagnostics)
            #expect(notBuilt.hint.contains("slinky image build"), notBuilt.diagnostics)

            let nothing = try await Runner.slinky(image("verify", ws, repository: repository, tag: "never-built"))
            #expect(nothing.exitCode == 1, nothing.diagnostics)
            #expect(nothing.errorMessage.contains("neither local nor in ECR"), nothing.diagnostics)

            let badTag = try await Runner.slinky(image("build", ws, repository: repository, tag: "-bad"))
            #expect(badTag.exitCode == 64, badTag.diagnostics)
        }

        @Test("verify pulls an image that is only in ECR")
        func verifyPulls() async throws {
            let ws = try Workspace(prefix: "imgpull")
            defer { ws.remove() }
            let repository = try await Self.createRepository()
            let reference = "123456789012.dkr.ecr.us-west-2.amazonaws.com/\(repository):v1"
            for action in ["build", "push"] {
                let result = try await Runner.slinky(image(action, ws, repository: repository))
                try #require(result.exitCode == 0, result.diagnostics)
            }
            let removed = try await Runner.run("/usr/bin/env", ["docker", "image", "rm", reference])
            try #require(removed.exitCode == 0, removed.diagnostics)
            let verified = try await Runner.slinky(image("verify", ws, repository: repository))
            #expect(verified.exitCode == 0, verified.diagnostics)
            #expect(verified.outputs(of: "image-verify")["pulled"] == "yes", verified.diagnostics)
        }

        @Test("a push stopped half-way (Ctrl-C, then kill -9) is completed by the next push, and ECR shows it")
        func interruptedPush() async throws {
            let ws = try Workspace(prefix: "imgkill")
            defer { ws.remove() }
            let repository = try await Self.createRepository()
            let binary = try #require(Sandbox.binary)
            // A layer of random bytes (incompressible) makes the push take long enough to stop it in the middle.
            let context = "\(ws.root)/bulky"
            try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
            try "FROM slinky-sandbox/slurmd-base:local\nCOPY blob /blob\n".write(toFile: "\(context)/Dockerfile", atomically: true, encoding: .utf8)
            let made = try await Runner.run("/bin/sh", ["-c", "head -c \(96 << 20) /dev/urandom > '\(context)/blob'"])
            try #require(made.exitCode == 0, made.diagnostics)
            let reference = "123456789012.dkr.ecr.us-west-2.amazonaws.com/\(repository):v1"

            let built = try await Runner.slinky(image("build", ws, repository: repository, dockerfile: "\(context)/Dockerfile"))
            try #require(built.exitCode == 0, built.diagnostics)

            /// How many runs' push logs show that docker push was started.
            func pushesStarted() -> Int {
                let logs = "\(ws.stateDirectory)/logs"
                let runs = (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []
                return runs.filter { run in
                    ((try? String(contentsOfFile: "\(logs)/\(run)/image-push.log", encoding: .utf8)) ?? "").contains("$ docker push")
                }.count
            }
            let pushArguments = image("push", ws, repository: repository, dockerfile: "\(context)/Dockerfile")

            // Ctrl-C: slinky forwards one SIGINT to docker push and reports the run as interrupted.
            let (first, firstOut, firstErr) = try Runner.start(binary, pushArguments, currentDirectory: Sandbox.projectRoot)
            try #require(try await waitUntil(timeout: 120) { pushesStarted() == 1 }, "the first push should start docker push")
            kill(first.processIdentifier, SIGINT)
            let interrupted = await Runner.finish(first, firstOut, firstErr)
            #expect(interrupted.exitCode == 130 || interrupted.exitCode == 0, interrupted.diagnostics)
            if interrupted.exitCode == 130 {
                #expect(interrupted.summary?["result"] as? String == "interrupted", interrupted.diagnostics)
                #expect(interrupted.hint.contains("slinky image push"), interrupted.diagnostics)
            }

            // kill -9: slinky leaves nothing to clean up; docker push, in its own process group, may outlive
            // it for a moment, and the next push must cope with that too. --rebuild pushes even if the first
            // push got through before its interrupt.
            let (second, secondOut, secondErr) = try Runner.start(binary, pushArguments + ["--rebuild"], currentDirectory: Sandbox.projectRoot)
            try #require(try await waitUntil(timeout: 120) { pushesStarted() == 2 }, "the second push should start docker push")
            kill(second.processIdentifier, SIGKILL)
            _ = await Runner.finish(second, secondOut, secondErr)
            #expect(second.terminationReason == .uncaughtSignal)

            let completed = try await Runner.slinky(pushArguments)
            try #require(completed.exitCode == 0, completed.diagnostics)
            let digest = try #require(completed.outputs(of: "image-push")["digest"])
            #expect(try await Self.ecrDigest(repository, tag: "v1") == digest)
            let inspect = try await Runner.run("/usr/bin/env", ["docker", "image", "inspect", "--format", "{{json .RepoDigests}}", reference])
            #expect(inspect.stdout.contains("\(repository)@\(digest)"), "the local image is the one ECR holds")
            // This image is big; it is this test's own, so it goes (ECR keeps its copy).
            _ = try? await Runner.run("/usr/bin/env", ["docker", "image", "rm", "-f", reference])
        }

        @Test("the install image step: unchanged → up-to-date; a changed Dockerfile → rebuilt with a new digest; a fresh journal reuses ECR's tag")
        func installImageStep() async throws {
            let ws = try Workspace(prefix: "imgstep")
            defer { ws.remove() }
            let repository = try await Self.createRepository()
            let dockerfile = try Self.copyDockerfiles(into: ws)
            let uri = "123456789012.dkr.ecr.us-west-2.amazonaws.com/\(repository)"
            let journalPath = "\(ws.root)/journal.json"

            let first = try await StepHarness.run(ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: journalPath)
            try #require(first.failure == nil, "\(first)")
            #expect(first.outcome == .done)
            #expect(first.outputs["built"] == "yes")
            let firstDigest = try #require(first.outputs["digest"])
            #expect(try await Self.ecrDigest(repository, tag: "v1") == firstDigest)

            let unchanged = try await StepHarness.run(ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: journalPath)
            #expect(unchanged.outcome == .upToDate, "\(unchanged)")
            #expect(unchanged.outputs["digest"] == firstDigest)

            let handle = try #require(FileHandle(forWritingAtPath: dockerfile))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("LABEL x=y\n".utf8))
            try handle.close()
            let changed = try await StepHarness.run(ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: journalPath)
            try #require(changed.failure == nil, "\(changed)")
            #expect(changed.outcome == .done)
            #expect(changed.outputs["built"] == "yes")
            let newDigest = try #require(changed.outputs["digest"])
            #expect(newDigest != firstDigest)
            #expect(try await Self.ecrDigest(repository, tag: "v1") == newDigest)

            // A fresh journal (another machine, or the journal moved aside): ECR's tag is reused, with a note.
            let fresh = try await StepHarness.run(ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: "\(ws.root)/fresh.json")
            #expect(fresh.outcome == .done)
            #expect(fresh.outputs["built"] == "no")
            #expect(fresh.outputs["digest"] == newDigest)
            #expect(fresh.notes.contains { $0.contains("reusing it (pass --rebuild") }, "\(fresh.notes)")

            // --skip-build: a tag that exists is used; a missing one fails saying how to build it.
            let skipped = try await StepHarness.run(
                ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: "\(ws.root)/skip.json", skipBuild: true)
            #expect(skipped.outcome == .skipped)
            #expect(skipped.outputs["digest"] == newDigest)
            let missing = try await StepHarness.run(
                ws, repository: repository, uri: uri, dockerfile: dockerfile, journalPath: "\(ws.root)/skip2.json", tag: "absent",
                skipBuild: true)
            #expect(missing.outcome == .failed)
            #expect(missing.failure?.message.contains("has no image tagged absent") == true, "\(missing)")
            #expect(missing.failure?.hint?.contains("run without --skip-build") == true)
        }
    }
}

/// Runs the real install `ImageStep` in a pipeline of its own, against the sandbox, without terraform: its
/// only dependency, the repository step, is replaced by one that hands over the repository's URI.
enum StepHarness {
    struct Result: CustomStringConvertible {
        var outcome: StepOutcome?
        var outputs: [String: String]
        var failure: SlinkyError?
        var notes: [String]
        var description: String { "outcome \(outcome?.rawValue ?? "none"), outputs \(outputs), failure \(failure?.message ?? "none"), notes \(notes)" }
    }

    struct KnownRepositoryStep: PipelineStep {
        let id = StepID.ecrRepository
        let title = "ECR repository (known)"
        let dependencies: [StepID] = []
        var alwaysRuns: Bool { true }
        let uri: String
        func fingerprint(_ context: StepContext) async throws -> String { "" }
        func run(_ context: StepContext) async throws -> StepResult { StepResult(outputs: ["uri": uri, "created": "no"]) }
    }

    static func run(
        _ ws: Workspace, repository: String, uri: String, dockerfile: String, journalPath: String, tag: String = "v1",
        skipBuild: Bool = false
    ) async throws -> Result {
        var settings = ClusterSettings(
            command: "install", cluster: ws.cluster, region: "us-west-2", regionSource: "test", profile: nil,
            projectDirectory: Sandbox.projectRoot, stateDirectory: ws.stateDirectory, blueprintPath: ws.blueprint,
            dockerfilePath: dockerfile, repositoryName: repository, tag: tag, sshKeyPath: ws.sshKey)
        settings.skipBuild = skipBuild
        let interrupts = InterruptController(onNotice: { _ in })
        let runner = ProcessRunner(redactor: Redactor(), interrupts: interrupts)
        let env = ClusterEnvironment(settings: settings, runner: runner)
        let logs = "\(ws.root)/logs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let pipeline = try Pipeline(phase: .install, steps: [KnownRepositoryStep(uri: uri), ImageStep(env: env)])
        let events = RecordingEventSink()
        let outcome = await pipeline.run(
            journal: try JournalStore(path: journalPath, cluster: ws.cluster), events: events, logDirectory: logs,
            reconcile: false, interrupts: interrupts)
        let report = outcome.reports.first { $0.id == .image }
        return Result(outcome: report?.outcome, outputs: report?.outputs ?? [:], failure: outcome.failure?.error, notes: events.notes)
    }
}
