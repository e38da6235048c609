import ArgumentParser
import Foundation
import SlinkyTestSupport
import Testing
@testable import SlinkyCLI
@testable import SlinkyCore

private let target = ImageTarget(
    repositoryName: "dlc-slurmd", repositoryURI: "123456789012.dkr.ecr.us-west-2.amazonaws.com/dlc-slurmd", tag: "t1")

/// A build context with a Dockerfile and one more file, so both kinds of change can be made.
private func makeContext(_ dir: TempDirectory) throws -> ImageRecipe {
    try "FROM slinky-sandbox/slurmd-base:local\nCOPY check /check\n".write(toFile: dir.file("slurmd.Dockerfile"), atomically: true, encoding: .utf8)
    try "#!/bin/sh\necho ok\n".write(toFile: dir.file("check"), atomically: true, encoding: .utf8)
    return ImageRecipe(dockerfilePath: dir.file("slurmd.Dockerfile"), labels: ImageRecipe.standardLabels(cluster: "c1"))
}

/// Every unit test of the image code, under one name for `swift test --filter ImageBuilderTests`.
@Suite("Image builder")
struct ImageBuilderTests {}

extension ImageBuilderTests {
    @Suite("Image build, push and check invocations")
    struct Invocations {
        @Test("without buildx: the classic builder, DOCKER_BUILDKIT=0, linux/amd64, no cache flags, the fingerprint label, the context last")
        func classicBuild() throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            let recipe = try makeContext(dir)
            let invocation = ImageBuilder.buildInvocation(recipe, target: target, buildx: false)
            let args = invocation.arguments
            #expect(invocation.tool == "docker")
            #expect(args.first == "build")
            #expect(invocation.environment["DOCKER_BUILDKIT"] == .some("0"))
            #expect(containsRun(args, ["--platform", "linux/amd64"]))
            #expect(containsRun(args, ["--file", recipe.dockerfilePath]))
            #expect(containsRun(args, ["--tag", target.reference]))
            #expect(containsRun(args, ["--label", "\(ImageRecipe.fingerprintLabel)=\(recipe.fingerprint)"]))
            #expect(containsRun(args, ["--label", "io.slinky.cluster=c1"]))
            #expect(!args.contains("--cache-from") && !args.contains("--cache-to"), "the classic builder has no registry cache")
            #expect(args.last == dir.path)
        }

        @Test("with buildx: buildx build --load, linux/amd64, and a registry cache in the target repository")
        func buildxBuild() throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            let recipe = try makeContext(dir)
            let invocation = ImageBuilder.buildInvocation(recipe, target: target, buildx: true)
            let args = invocation.arguments
            #expect(Array(args.prefix(3)) == ["buildx", "build", "--load"])
            #expect(invocation.environment["DOCKER_BUILDKIT"] == nil)
            #expect(containsRun(args, ["--platform", "linux/amd64"]))
            #expect(target.cacheReference == "\(target.repositoryURI):buildcache")
            #expect(containsRun(args, ["--cache-from", "type=registry,ref=\(target.cacheReference)"]))
            #expect(containsRun(args, ["--cache-to", "type=registry,ref=\(target.cacheReference),mode=max,image-manifest=true,oci-mediatypes=true"]))
            #expect(args.last == dir.path)
        }

        @Test("build arguments are passed sorted, each as its own --build-arg")
        func buildArguments() throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            var recipe = try makeContext(dir)
            recipe.buildArguments = ["STACK_CHECK_AT_BUILD": "0", "NCCL_VERSION": "2.99.9"]
            let args = ImageBuilder.buildInvocation(recipe, target: target, buildx: false).arguments
            #expect(containsRun(args, ["--build-arg", "NCCL_VERSION=2.99.9", "--build-arg", "STACK_CHECK_AT_BUILD=0"]))
        }

        @Test("the check runs alone: --rm, no network, linux/amd64, the check script as entrypoint, the image last")
        func stackCheck() {
            let invocation = ImageBuilder.stackCheckInvocation(image: target.reference)
            #expect(invocation.arguments == [
                "run", "--rm", "--network", "none", "--platform", "linux/amd64",
                "--entrypoint", "/usr/local/bin/slurmd-stack-check", target.reference,
            ])
        }

        @Test("expectations become STACK_EXPECT_* and skipped checks STACK_CHECK_SKIP, before the image")
        func stackCheckEnvironment() {
            let invocation = ImageBuilder.stackCheckInvocation(
                image: target.reference, expectations: ["NCCL": "2.99.9", "stack_expect_torch": "9.9"], skipChecks: ["efa-device", "libs"])
            let args = invocation.arguments
            #expect(containsRun(args, ["--env", "STACK_EXPECT_NCCL=2.99.9"]))
            #expect(containsRun(args, ["--env", "STACK_EXPECT_TORCH=9.9"]))
            #expect(containsRun(args, ["--env", "STACK_CHECK_SKIP=efa-device,libs"]))
            #expect(args.last == target.reference)
            #expect(ImageBuilder.expectationVariable("efa-installer") == "STACK_EXPECT_EFA_INSTALLER")
        }

        @Test("both Dockerfiles install the check where verify runs it")
        func checkPathMatchesDockerfiles() throws {
            for name in ["dlc-slurmd.Dockerfile", "sandbox-slurmd.Dockerfile"] {
                let text = try String(contentsOfFile: "\(packageRoot)/dockerfiles/\(name)", encoding: .utf8)
                #expect(text.contains("COPY slurmd-stack-check \(ImageBuilder.stackCheckPath)"), "\(name)")
            }
        }

        @Test("a planned login pipes get-login-password (in the registry's region) into docker login --password-stdin")
        func plannedLogin() {
            let builder = ImageBuilder(aws: AWSCLI(runner: makeRunner(), region: "us-west-2", profile: nil), docker: Docker(runner: makeRunner()))
            let line = builder.plannedLogin(registry: "763104351884.dkr.ecr.us-east-1.amazonaws.com")
            #expect(line.contains("aws ecr get-login-password --region us-east-1"))
            #expect(line.contains("docker login --username AWS --password-stdin 763104351884.dkr.ecr.us-east-1.amazonaws.com"))
        }
    }
}

extension ImageBuilderTests {
    @Suite("Image recipe fingerprints")
    struct Recipes {
        @Test("the fingerprint is stable, and changes with the Dockerfile, a context file, a build argument, a label or the platform")
        func fingerprint() throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            let recipe = try makeContext(dir)
            let original = recipe.fingerprint
            #expect(recipe.fingerprint == original)

            var withArgument = recipe
            withArgument.buildArguments["NCCL_VERSION"] = "2.99.9"
            #expect(withArgument.fingerprint != original)
            var withLabel = recipe
            withLabel.labels["x"] = "y"
            #expect(withLabel.fingerprint != original)
            var arm = recipe
            arm.platform = "linux/arm64"
            #expect(arm.fingerprint != original)
            var stamped = recipe
            stamped.labels[ImageRecipe.fingerprintLabel] = "anything"
            #expect(stamped.fingerprint == original, "the fingerprint label itself is not an input")

            try "#!/bin/sh\necho changed\n".write(toFile: dir.file("check"), atomically: true, encoding: .utf8)
            let afterContext = recipe.fingerprint
            #expect(afterContext != original)
            let handle = try #require(FileHandle(forWritingAtPath: recipe.dockerfilePath))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("LABEL x=y\n".utf8))
            try handle.close()
            #expect(recipe.fingerprint != afterContext)
        }

        @Test("a local image is recognised by its repo digest in the target repository only")
        func localImage() throws {
            let json = #"{"Id":"sha256:abc","RepoDigests":["\#(target.repositoryURI)@sha256:d1"],"Config":{"Labels":{"io.slinky.build-fingerprint":"f1"}}}"#
            let image = try #require(LocalImage.parse(inspectJSON: json))
            #expect(image.id == "sha256:abc")
            #expect(image.buildFingerprint == "f1")
            #expect(image.isKnown(as: "sha256:d1", in: target.repositoryURI))
            #expect(!image.isKnown(as: "sha256:d2", in: target.repositoryURI))
            #expect(!image.isKnown(as: "sha256:d1", in: "123456789012.dkr.ecr.us-west-2.amazonaws.com/other"))
            #expect(LocalImage.parse(inspectJSON: "[]") == nil)
        }

        @Test("the image step's fingerprint is the formula earlier versions recorded, so existing journals stay valid")
        func imageStepFingerprint() async throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            let recipe = try makeContext(dir)
            let settings = ClusterSettings(
                command: "install", cluster: "c1", region: "us-west-2", regionSource: "--region", profile: nil,
                projectDirectory: packageRoot, stateDirectory: dir.file("state"), blueprintPath: dir.file("b.tfvars"),
                dockerfilePath: recipe.dockerfilePath, repositoryName: target.repositoryName, tag: target.tag, sshKeyPath: dir.file("key"))
            let step = ImageStep(env: ClusterEnvironment(settings: settings, runner: makeRunner()))
            let context = StepContext(
                stepID: "image", log: StepLog.discard(stepID: "image"),
                board: OutputsBoard(["ecr-repository": ["uri": target.repositoryURI]]), events: RecordingEventSink(), reconcile: false)
            var legacy = Fingerprint()
            legacy.add("repository", target.repositoryURI)
            legacy.add("tag", target.tag)
            legacy.add("skip-build", "no")
            legacy.add("dockerfile", data: try #require(FileManager.default.contents(atPath: recipe.dockerfilePath)))
            legacy.add("context", SHA256Hex.hashTree(dir.path))
            #expect(try await step.fingerprint(context) == legacy.value)
        }
    }
}

extension ImageBuilderTests {
    @Suite("Stack check output")
    struct StackCheck {
        static let failing = """
            ok   cuda: nvcc release 12.6 (V12.6.85)
            FAIL nccl: 2.23.4 (/usr/local/lib/libnccl.so.2.23.4), expected 2.99.9
            skip efa-device: no EFA device (/dev/infiniband and /sys/class/infiniband are empty)
            FAIL torch: 2.6.0+cu126 (CUDA 12.6, NCCL 2.23.4), expected NCCL 2.99.9
            some other line the script does not print
            """

        @Test("ok, FAIL and skip lines are parsed; a failure names every failing check and what it found")
        func parseFailing() throws {
            let report = StackCheckReport.parse(Self.failing, exitCode: 1)
            #expect(report.lines.map(\.name) == ["cuda", "nccl", "efa-device", "torch"])
            #expect(report.lines.map(\.status) == [.ok, .fail, .skip, .fail])
            #expect(report.lines[0].detail == "nvcc release 12.6 (V12.6.85)")
            #expect(!report.passed)
            let error = try #require(report.failure(image: "img:t1", logPath: "/logs/image-verify.log"))
            #expect(error.exitStatus == .stepFailed)
            #expect(error.message.contains("img:t1"))
            #expect(error.message.contains("nccl (2.23.4 (/usr/local/lib/libnccl.so.2.23.4), expected 2.99.9)"))
            #expect(error.message.contains("torch ("))
            #expect(!error.message.contains("cuda"))
            #expect(error.hint?.contains("/logs/image-verify.log") == true)
        }

        @Test("a pass needs exit 0 and no FAIL line; either alone is a failure")
        func passRule() {
            #expect(StackCheckReport.parse("ok   cuda: x\nskip libs: y\n", exitCode: 0).passed)
            #expect(!StackCheckReport.parse("ok   cuda: x\n", exitCode: 1).passed)
            #expect(!StackCheckReport.parse("FAIL cuda: x\n", exitCode: 0).passed)
            #expect(StackCheckReport.parse("ok   cuda: x\n", exitCode: 0).failure(image: "i", logPath: nil) == nil)
        }

        @Test("the real check script, run on an empty root, fails and every FAIL line is parsed")
        func realScript() async throws {
            let dir = try TempDirectory()
            defer { dir.remove() }
            let run = try await runTool("/usr/bin/env", [
                "STACK_CHECK_ROOT=\(dir.path)", "STACK_EXPECT_NCCL=2.23.4", "sh", "\(packageRoot)/dockerfiles/slurmd-stack-check",
            ])
            let report = StackCheckReport.parse(run.stdout, exitCode: run.status)
            #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
            #expect(!report.passed)
            #expect(report.failing.map(\.name).contains("nccl"))
            #expect(report.lines.count == run.stdout.split(separator: "\n").count, "every line the script prints is a check line")
        }
    }
}

/// Stand-ins for `aws` and `docker` on PATH: they record every call and answer like the real tools, so the
/// builder's whole flow (logins, buildx or classic, push, digest wait, check) runs without a daemon.
private struct FakeTools {
    let dir: TempDirectory
    static let password = "fake-ecr-password-0123456789abcdef"

    init(buildx: Bool) throws {
        dir = try TempDirectory()
        if buildx { _ = FileManager.default.createFile(atPath: dir.file("has-buildx"), contents: nil) }
        let docker = #"""
            #!/bin/sh
            d=$(dirname "$0")
            printf '%s|%s\n' "${DOCKER_BUILDKIT:-}" "$*" >> "$d/docker-calls"
            case "$1" in
            version) echo 27.5.1 ;;
            buildx)
                if [ "$2" = version ]; then
                    [ -f "$d/has-buildx" ] && { echo "github.com/docker/buildx v0.21.0"; exit 0; }
                    echo "docker: unknown command: docker buildx" >&2; exit 1
                fi ;;
            esac
            case "$1" in
            build | buildx)
                fp=
                for a in "$@"; do case "$a" in io.slinky.build-fingerprint=*) fp=${a#*=} ;; esac; done
                echo "$fp" > "$d/built-fingerprint"
                echo "Successfully built 1111" ;;
            image)
                if [ -f "$d/built-fingerprint" ]; then
                    digests='[]'; [ -f "$d/pushed" ] && digests="[\"$(cat "$d/repo")@sha256:2222\"]"
                    printf '{"Id":"sha256:1111","RepoDigests":%s,"Config":{"Labels":{"io.slinky.build-fingerprint":"%s"}}}\n' "$digests" "$(cat "$d/built-fingerprint")"
                else
                    echo "Error response from daemon: No such image: $5" >&2; exit 1
                fi ;;
            login) cat > "$d/login-stdin"; echo "Login Succeeded" ;;
            push) echo "${2%:*}" > "$d/repo"; touch "$d/pushed"; echo "t1: digest: sha256:2222 size: 528" ;;
            run) cat "$d/check-output"; exit "$(cat "$d/check-status")" ;;
            esac
            """#
        let aws = #"""
            #!/bin/sh
            d=$(dirname "$0")
            printf '%s\n' "$*" >> "$d/aws-calls"
            case "$1 $2" in
            "ecr get-login-password") echo "\#(Self.password)" ;;
            "ecr describe-images")
                if [ -f "$d/pushed" ]; then echo '{"imageDetails":[{"imageDigest":"sha256:2222"}]}'
                else echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation: no tag" >&2; exit 254; fi ;;
            esac
            """#
        for (name, text) in [("docker", docker), ("aws", aws)] {
            try text.write(toFile: dir.file(name), atomically: true, encoding: .utf8)
            chmod(dir.file(name), 0o755)
        }
    }

    var builder: ImageBuilder {
        let runner = ProcessRunner(
            redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }),
            baseEnvironment: ["PATH": "\(dir.path):/usr/bin:/bin"])
        var builder = ImageBuilder(aws: AWSCLI(runner: runner, region: "us-west-2", profile: nil), docker: Docker(runner: runner))
        builder.digestPollInterval = .milliseconds(10)
        return builder
    }

    func log() -> StepLog { StepLog(path: dir.file("step.log"), stepID: "image", events: nil) }
    func lines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: dir.file(name), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
    /// docker calls as "DOCKER_BUILDKIT|arguments".
    var dockerCalls: [String] { lines("docker-calls") }
    var awsCalls: [String] { lines("aws-calls") }
}

extension ImageBuilderTests {
    @Suite("Image builder flow with stand-in tools")
    struct Flow {
        @Test("classic build: no buildx, DOCKER_BUILDKIT=0, no login needed before it; a second build is skipped; --rebuild builds")
        func classicFlow() async throws {
            let tools = try FakeTools(buildx: false)
            defer { tools.dir.remove() }
            let context = try TempDirectory()
            defer { context.remove() }
            let recipe = try makeContext(context)
            let first = try await tools.builder.build(recipe, target: target, force: false, log: tools.log())
            #expect(first.built && !first.usedBuildx)
            #expect(first.imageID == "sha256:1111")
            let builds = tools.dockerCalls.filter { $0.contains("|build ") }
            #expect(builds.count == 1)
            #expect(builds.first?.hasPrefix("0|build --platform linux/amd64") == true, "\(builds)")
            #expect(!tools.dockerCalls.contains { $0.contains("|login") }, "the classic builder needs no login to the target registry")

            let second = try await tools.builder.build(recipe, target: target, force: false, log: tools.log())
            #expect(!second.built, "the local image carries this recipe's fingerprint")
            #expect(tools.dockerCalls.filter { $0.contains("|build ") }.count == 1)

            let forced = try await tools.builder.build(recipe, target: target, force: true, log: tools.log())
            #expect(forced.built)
            #expect(tools.dockerCalls.filter { $0.contains("|build ") }.count == 2)
        }

        @Test("buildx build: logs in to the target registry first (the cache lives there), with the password on stdin only")
        func buildxFlow() async throws {
            let tools = try FakeTools(buildx: true)
            defer { tools.dir.remove() }
            let context = try TempDirectory()
            defer { context.remove() }
            let recipe = try makeContext(context)
            let result = try await tools.builder.build(recipe, target: target, force: false, log: tools.log())
            #expect(result.built && result.usedBuildx)
            let calls = tools.dockerCalls
            let login = try #require(calls.firstIndex { $0 == "|login --username AWS --password-stdin \(target.registry)" })
            let build = try #require(calls.firstIndex { $0.hasPrefix("|buildx build --load --platform linux/amd64") })
            #expect(login < build)
            #expect(calls[build].contains("--cache-from type=registry,ref=\(target.cacheReference)"))
            #expect(tools.awsCalls.contains("ecr get-login-password --region us-west-2 --output json"))
            #expect(try String(contentsOfFile: tools.dir.file("login-stdin"), encoding: .utf8).contains(FakeTools.password))
            #expect(!calls.contains { $0.contains(FakeTools.password) }, "the password is never an argument")
            #expect(!(try String(contentsOfFile: tools.dir.file("step.log"), encoding: .utf8)).contains(FakeTools.password))
        }

        @Test("base registries in the Dockerfile get their own login, in their own region, before the build")
        func baseRegistryLogin() async throws {
            let tools = try FakeTools(buildx: false)
            defer { tools.dir.remove() }
            let context = try TempDirectory()
            defer { context.remove() }
            let recipe = try makeContext(context)
            try "ARG DLC=763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.6.0\nFROM ${DLC}\n"
                .write(toFile: recipe.dockerfilePath, atomically: true, encoding: .utf8)
            _ = try await tools.builder.build(recipe, target: target, force: false, log: tools.log())
            #expect(tools.awsCalls.contains("ecr get-login-password --region us-east-1 --output json"))
            let calls = tools.dockerCalls
            let login = try #require(calls.firstIndex { $0.hasSuffix("login --username AWS --password-stdin 763104351884.dkr.ecr.us-east-1.amazonaws.com") })
            let build = try #require(calls.firstIndex { $0.contains("|build ") })
            #expect(login < build)
        }

        @Test("push: refuses without a local image, then logs in, pushes, waits for ECR's digest; a second push is skipped")
        func pushFlow() async throws {
            let tools = try FakeTools(buildx: false)
            defer { tools.dir.remove() }
            let context = try TempDirectory()
            defer { context.remove() }
            let recipe = try makeContext(context)

            let missing = await #expect(throws: SlinkyError.self) {
                try await tools.builder.pushLocalImage(target, force: false, log: tools.log())
            }
            #expect(missing?.message.contains("no local image \(target.reference)") == true)
            #expect(missing?.hint?.contains("slinky image build") == true)

            _ = try await tools.builder.build(recipe, target: target, force: false, log: tools.log())
            let pushed = try await tools.builder.pushLocalImage(target, force: false, log: tools.log())
            #expect(pushed == ImageBuilder.PushResult(pushed: true, digest: "sha256:2222"))
            let calls = tools.dockerCalls
            let login = try #require(calls.firstIndex { $0 == "|login --username AWS --password-stdin \(target.registry)" })
            let push = try #require(calls.firstIndex { $0 == "|push \(target.reference)" })
            #expect(login < push)

            let again = try await tools.builder.pushLocalImage(target, force: false, log: tools.log())
            #expect(again == ImageBuilder.PushResult(pushed: false, digest: "sha256:2222"))
            #expect(tools.dockerCalls.filter { $0.hasPrefix("|push") }.count == 1)
        }

        @Test("verify: a passing check returns its lines; a failing one throws an error naming the failing checks")
        func verifyFlow() async throws {
            let tools = try FakeTools(buildx: false)
            defer { tools.dir.remove() }
            let context = try TempDirectory()
            defer { context.remove() }
            _ = try await tools.builder.build(try makeContext(context), target: target, force: false, log: tools.log())

            try "ok   cuda: 12.6\nskip libs: ldd not available\n".write(toFile: tools.dir.file("check-output"), atomically: true, encoding: .utf8)
            try "0".write(toFile: tools.dir.file("check-status"), atomically: true, encoding: .utf8)
            let passed = try await tools.builder.verify(target, expectations: ["NCCL": "2.23.4"], log: tools.log())
            #expect(passed.report.passed)
            #expect(!passed.pulled)
            #expect(passed.report.lines.map(\.text) == ["ok   cuda: 12.6", "skip libs: ldd not available"])
            #expect(tools.dockerCalls.contains {
                $0.hasPrefix("|run --rm --network none --platform linux/amd64 --entrypoint /usr/local/bin/slurmd-stack-check --env STACK_EXPECT_NCCL=2.23.4")
            })

            try ImageBuilderTests.StackCheck.failing.write(toFile: tools.dir.file("check-output"), atomically: true, encoding: .utf8)
            try "1".write(toFile: tools.dir.file("check-status"), atomically: true, encoding: .utf8)
            let error = await #expect(throws: SlinkyError.self) {
                try await tools.builder.verify(target, log: tools.log())
            }
            #expect(error?.message.contains("nccl") == true)
            #expect(error?.message.contains("torch") == true)

            // Exit 125 is docker failing to start the check, not a verdict about the stack.
            try "".write(toFile: tools.dir.file("check-output"), atomically: true, encoding: .utf8)
            try "125".write(toFile: tools.dir.file("check-status"), atomically: true, encoding: .utf8)
            let broken = await #expect(throws: SlinkyError.self) {
                try await tools.builder.verify(target, log: tools.log())
            }
            guard case .commandFailed? = broken else {
                Issue.record("expected commandFailed, got \(String(describing: broken))")
                return
            }
        }
    }
}

extension ImageBuilderTests {
    @Suite("slinky image command line")
    struct CommandLineParsing {
        @Test("the three subcommands share --repo-name, --tag, --dockerfile, --rebuild and the cluster options")
        func shared() throws {
            let build = try #require(try SlinkyCommand.parseAsRoot([
                "image", "build", "--repo-name", "r1", "--tag", "t1", "--dockerfile", "d/x.Dockerfile", "--rebuild",
                "--region", "eu-west-1", "--output", "json", "--build-arg", "A=1", "--build-arg", "B=x=y",
            ]) as? ImageBuild)
            #expect(build.image.source.repoName == "r1")
            #expect(build.image.source.tag == "t1")
            #expect(build.image.source.dockerfile == "d/x.Dockerfile")
            #expect(build.image.rebuild)
            #expect(build.cluster.region == "eu-west-1")
            #expect(try ImageCommand.keyValuePairs(build.buildArguments, option: "--build-arg") == ["A": "1", "B": "x=y"])

            let push = try #require(try SlinkyCommand.parseAsRoot(["image", "push", "--name", "c2", "--tag", "t2"]) as? ImagePush)
            #expect(push.cluster.name == "c2")
            #expect(!push.image.rebuild)

            let verify = try #require(try SlinkyCommand.parseAsRoot([
                "image", "verify", "--expect", "NCCL=2.99.9", "--skip-check", "efa-device",
            ]) as? ImageVerify)
            #expect(verify.expectations == ["NCCL=2.99.9"])
            #expect(verify.skipChecks == ["efa-device"])
        }

        @Test("malformed KEY=VALUE options and check names are usage errors", arguments: [
            ["image", "build", "--build-arg", "NOEQUALS"],
            ["image", "build", "--build-arg", "=1"],
            ["image", "verify", "--expect", "1X=2"],
            ["image", "verify", "--skip-check", "Bad Name"],
        ])
        func malformed(arguments: [String]) {
            #expect(throws: (any Error).self) { try SlinkyCommand.parseAsRoot(arguments) }
        }
    }
}

private func makeRunner() -> ProcessRunner {
    ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
}
