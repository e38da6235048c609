import ArgumentParser
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

    /// What the three image commands share once their own options are read.
    static func run(_ request: ImageRequest, cluster: ClusterOptions, image: ImageOptions) async throws {
        let (_, format, runner) = try cluster.start()
        InterruptController.shared.installSignalHandlers()
        var raw = cluster.raw
        image.source.add(to: &raw)
        raw.flags[.rebuild] = image.rebuild
        let settings = try await CommandSupport.settings(raw, command: "image \(request.action.rawValue)", format: format, runner: runner)
        let session = ImageSession(
            settings: settings, request: request, events: CommandSupport.sink(format), runner: runner,
            interrupts: InterruptController.shared)
        let status = await session.run()
        if status != 0 { throw ExitCode(status) }
    }

    /// Parses repeated `KEY=VALUE` options; the key must be a plain variable name.
    static func keyValuePairs(_ values: [String], option: String) throws -> [String: String] {
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
}

/// Which image, for the three image commands: install's image options, plus doing the work again.
struct ImageOptions: ParsableArguments {
    @OptionGroup var source: ImageSourceOptions

    @Flag(name: .long, help: "Do the work even when it looks done: build again, push again, pull again before verifying (env: SLINKY_REBUILD=1).")
    var rebuild = false
}
