import ArgumentParser
import SlinkyCore

struct ImagePush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push the local image to ECR and wait until ECR reports the digest docker push printed.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Image") var image: ImageOptions

    func run() async throws {
        try await ImageCommand.run(ImageRequest(action: .push), cluster: cluster, image: image)
    }
}
