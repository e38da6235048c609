import ArgumentParser
import SlinkyCore

/// Which image, under the old scripts' flag names: install and the image commands take the same three.
struct ImageSourceOptions: ParsableArguments {
    @Option(name: .customLong("repo-name"), help: "ECR repository for the slurmd image (env: SLINKY_REPO_NAME; default: dlc-slurmd).")
    var repoName: String?

    @Option(name: .long, help: "Image tag (env: SLINKY_TAG; default: 25.05.0-ubuntu24.04).")
    var tag: String?

    @Option(name: .long, help: "Dockerfile of the slurmd image; its folder is the build context (env: SLINKY_DOCKERFILE; default: dockerfiles/dlc-slurmd.Dockerfile).")
    var dockerfile: String?

    func add(to raw: inout SettingsResolver.Raw) {
        raw.repoName = repoName
        raw.tag = tag
        raw.dockerfile = dockerfile
    }
}
