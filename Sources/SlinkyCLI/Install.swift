import ArgumentParser
import SlinkyCore

struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (or finish creating) the cluster: ECR repository, slurmd image, login key, blueprint values, terraform.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Run") var run: RunOptions

    @OptionGroup var image: ImageSourceOptions

    @Option(name: .customLong("ssh-key"), help: "Private key for the login pod; created if missing, never overwritten (env: SLINKY_SSH_KEY; default: ~/.ssh/id_ed25519_slurm).")
    var sshKey: String?

    @Flag(name: .customLong("skip-build"), help: "Use an image already in ECR; fails if the tag is not there (env: SLINKY_SKIP_BUILD=1).")
    var skipBuild = false

    @Flag(name: .customLong("skip-repo"), help: "The ECR repository must already exist; do not create it (env: SLINKY_SKIP_REPO=1).")
    var skipRepo = false

    @Flag(name: .customLong("skip-setup"), help: "Skip repository, image and key; the blueprint must already set image_repository, image_tag and ssh_key (env: SLINKY_SKIP_SETUP=1).")
    var skipSetup = false

    @Flag(name: .long, help: "Build and push the image even when ECR already holds it (env: SLINKY_REBUILD=1).")
    var rebuild = false

    @Option(name: .customLong("allow-cidr"), help: "Source range allowed to SSH to the login load balancer (env: SLINKY_ALLOW_CIDR; default: the blueprint's login_allow_cidr, else your public IP/32).")
    var allowCIDR: String?

    func validate() throws {
        if skipBuild && rebuild { throw ValidationError("--skip-build and --rebuild contradict each other; pass one") }
    }

    func run() async throws {
        var raw = cluster.raw
        run.add(to: &raw)
        image.add(to: &raw)
        raw.sshKey = sshKey
        raw.flags[.skipBuild] = skipBuild
        raw.flags[.skipRepo] = skipRepo
        raw.flags[.skipSetup] = skipSetup
        raw.flags[.rebuild] = rebuild
        raw.allowCIDR = allowCIDR
        raw.takesAllowCIDR = true
        try await CommandSupport.runSession(raw, phase: .install, cluster: cluster)
    }
}
