import ArgumentParser
import SlinkyCore

struct ImageBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the image locally for linux/amd64 as <repository uri>:<tag> (buildx with an ECR cache when present).")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Image") var image: ImageOptions

    @Option(name: .customLong("build-arg"), help: "A build argument, KEY=VALUE; repeatable (e.g. --build-arg STACK_CHECK_AT_BUILD=0).")
    var buildArguments: [String] = []

    func validate() throws { _ = try ImageCommand.keyValuePairs(buildArguments, option: "--build-arg") }

    func run() async throws {
        let request = ImageRequest(action: .build, buildArguments: try ImageCommand.keyValuePairs(buildArguments, option: "--build-arg"))
        try await ImageCommand.run(request, cluster: cluster, image: image)
    }
}
