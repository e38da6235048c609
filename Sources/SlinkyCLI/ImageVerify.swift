import ArgumentParser
import SlinkyCore

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
        _ = try ImageCommand.keyValuePairs(expectations, option: "--expect")
        for name in skipChecks where name.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) == nil {
            throw ValidationError("--skip-check takes a check name such as efa-device, not \"\(name)\"")
        }
    }

    func run() async throws {
        let request = ImageRequest(
            action: .verify, expectations: try ImageCommand.keyValuePairs(expectations, option: "--expect"), skipChecks: skipChecks)
        try await ImageCommand.run(request, cluster: cluster, image: image)
    }
}
