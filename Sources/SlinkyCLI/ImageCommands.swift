import ArgumentParser
import Foundation
import SlinkyCore

/// `slinky image build|push|verify`: the install step's image work, one phase at a time.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Build, push or check the slurmd image on its own, with the same code slinky install uses.",
        discussion: """
            The ECR repository must exist (slinky install creates it). Every build targets linux/amd64. \
            build skips the build when the local image already is the build of the same Dockerfile, context \
            and build arguments; push skips the push when ECR already holds the local image under the tag.
            """,
        subcommands: [ImageBuild.self, ImagePush.self, ImageVerify.self])
}

/// Which image: shared by the three image commands, with install's flag names and defaults.
struct ImageOptions: ParsableArguments {
    @Option(name: .customLong("repo-name"), help: "ECR repository of the image; it must exist (env: SLINKY_REPO_NAME; default: dlc-slurmd).")
    var repoName: String?

    @Option(name: .long, help: "Image tag (env: SLINKY_TAG; default: 25.05.0-ubuntu24.04).")
    var tag: String?

    @Option(name: .long, help: "Dockerfile; its folder is the build context (env: SLINKY_DOCKERFILE; default: dockerfiles/dlc-slurmd.Dockerfile).")
    var dockerfile: String?

    @Flag(name: .long, help: "Do the work even when it looks done: build again, push again, pull again before verifying (env: SLINKY_REBUILD=1).")
    var rebuild = false
}

/// Parses repeated `KEY=VALUE` options; the key must be a plain variable name.
func keyValuePairs(_ values: [String], option: String) throws -> [String: String] {
    var pairs: [String: String] = [:]
    for value in values {
        guard let equals = value.firstIndex(of: "="),
            value[..<equals].range(of: #"^[A-Za-z_][A-Za-z0-9_-]*$"#, options: .regularExpression) != nil
        else {
            throw ValidationError("\(option) takes KEY=VALUE, not \"\(value)\"")
        }
        pairs[String(value[..<equals])] = String(value[value.index(after: equals)...])
    }
    return pairs
}

enum ImageCommandSupport {
    static func run(_ request: ImageRequest, cluster: ClusterOptions, image: ImageOptions) async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        InterruptController.shared.installSignalHandlers()
        let runner = CommandSupport.makeRunner()
        let command = "image \(request.action.rawValue)"
        var raw = cluster.raw
        raw.repoName = image.repoName
        raw.tag = image.tag
        raw.dockerfile = image.dockerfile
        var settings = try await CommandSupport.settings(raw, command: command, format: format, runner: runner)
        settings.rebuild = flag(image.rebuild, "SLINKY_REBUILD", environment)
        let session = ImageSession(
            settings: settings, request: request, events: CommandSupport.sink(format), runner: runner,
            interrupts: InterruptController.shared)
        let status = await session.run()
        if status != 0 { throw ExitCode(status) }
    }
}

struct ImageBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the image locally for linux/amd64 as <repository uri>:<tag> (buildx with an ECR cache when present).")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Image") var image: ImageOptions

    @Option(name: .customLong("build-arg"), help: "A build argument, KEY=VALUE; repeatable (e.g. --build-arg STACK_CHECK_AT_BUILD=0).")
    var buildArguments: [String] = []

    func validate() throws { _ = try keyValuePairs(buildArguments, option: "--build-arg") }

    func run() async throws {
        let request = ImageRequest(action: .build, buildArguments: try keyValuePairs(buildArguments, option: "--build-arg"))
        try await ImageCommandSupport.run(request, cluster: cluster, image: image)
    }
}

struct ImagePush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push the local image to ECR and wait until ECR reports the digest docker push printed.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Image") var image: ImageOptions

    func run() async throws {
        try await ImageCommandSupport.run(ImageRequest(action: .push), cluster: cluster, image: image)
    }
}

struct ImageVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run slurmd-stack-check inside the image (pulled from ECR when not local); exit 1 naming any failing check.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Image") var image: ImageOptions

    @Option(name: .customLong("expect"), help: "An expected version, KEY=VALUE for STACK_EXPECT_<KEY> (CUDA, NCCL, EFA_INSTALLER, PYTHON, TORCH); overrides the image's own; repeatable.")
    var expectations: [String] = []

    @Option(name: .customLong("skip-check"), help: "A check to skip (e.g. efa-device); repeatable.")
    var skipChecks: [String] = []

    func validate() throws {
        _ = try keyValuePairs(expectations, option: "--expect")
        for name in skipChecks where name.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) == nil {
            throw ValidationError("--skip-check takes a check name such as efa-device, not \"\(name)\"")
        }
    }

    func run() async throws {
        let request = ImageRequest(
            action: .verify, expectations: try keyValuePairs(expectations, option: "--expect"), skipChecks: skipChecks)
        try await ImageCommandSupport.run(request, cluster: cluster, image: image)
    }
}
