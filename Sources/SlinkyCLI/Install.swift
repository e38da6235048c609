import ArgumentParser
import Foundation
import SlinkyCore

struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (or finish creating) the cluster: ECR repository, slurmd image, login key, blueprint values, terraform.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Run") var run: RunOptions

    @Option(name: .customLong("repo-name"), help: "ECR repository for the slurmd image (env: SLINKY_REPO_NAME; default: dlc-slurmd).")
    var repoName: String?

    @Option(name: .long, help: "Image tag (env: SLINKY_TAG; default: 25.05.0-ubuntu24.04).")
    var tag: String?

    @Option(name: .long, help: "Dockerfile of the slurmd image; its folder is the build context (env: SLINKY_DOCKERFILE; default: dockerfiles/dlc-slurmd.Dockerfile).")
    var dockerfile: String?

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
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        InterruptController.shared.installSignalHandlers()
        let runner = CommandSupport.makeRunner()
        var raw = cluster.raw
        raw.repoName = repoName
        raw.tag = tag
        raw.dockerfile = dockerfile
        raw.sshKey = sshKey
        var settings = try await CommandSupport.settings(raw, command: "install", format: format, runner: runner)
        settings.skipBuild = flag(skipBuild, "SLINKY_SKIP_BUILD", environment)
        settings.skipRepo = flag(skipRepo, "SLINKY_SKIP_REPO", environment)
        settings.skipSetup = flag(skipSetup, "SLINKY_SKIP_SETUP", environment)
        settings.rebuild = flag(rebuild, "SLINKY_REBUILD", environment)
        if let cidr = allowCIDR ?? environment["SLINKY_ALLOW_CIDR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                try LoginCIDR.validate(cidr)
            } catch let error as SlinkyError {
                throw CommandSupport.fail(error, format: format, command: "install")
            }
            settings.allowCIDR = cidr
        }
        settings.dryRun = flag(run.dryRun, "SLINKY_DRY_RUN", environment)
        settings.reconcile = flag(run.reconcile, "SLINKY_RECONCILE", environment)
        let session = Session(
            settings: settings, events: CommandSupport.sink(format), assumeYes: flag(run.yes, "SLINKY_YES", environment),
            runner: runner, interrupts: InterruptController.shared)
        let status = await session.run(phase: .install)
        if status != 0 { throw ExitCode(status) }
    }
}

struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tear the cluster down in a safe order, sweeping load balancers and security groups Kubernetes left behind.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Run") var run: RunOptions

    func run() async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        InterruptController.shared.installSignalHandlers()
        let runner = CommandSupport.makeRunner()
        var settings = try await CommandSupport.settings(cluster.raw, command: "cleanup", format: format, runner: runner)
        settings.dryRun = flag(run.dryRun, "SLINKY_DRY_RUN", environment)
        settings.reconcile = flag(run.reconcile, "SLINKY_RECONCILE", environment)
        let session = Session(
            settings: settings, events: CommandSupport.sink(format), assumeYes: flag(run.yes, "SLINKY_YES", environment),
            runner: runner, interrupts: InterruptController.shared)
        let status = await session.run(phase: .cleanup)
        if status != 0 { throw ExitCode(status) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each step's state, when it ran, how long it took and what it produced; exit 0 only when fully installed.",
        discussion: "With a state bucket this works from any machine given the cluster's name and region; it reads, never locks.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    func run() async throws {
        let environment = CommandSupport.environment
        let format = try cluster.outputFormat(environment)
        let runner = CommandSupport.makeRunner()
        let settings = try await CommandSupport.settings(cluster.raw, command: "status", format: format, runner: runner)
        let (journal, holder, location) = try await CommandSupport.reporting("status", format: format) {
            () async throws -> (Journal?, RemoteLockHolder?, String) in
            guard let bucket = settings.stateBucket else {
                return (try JournalStore.load(path: settings.journalPath), nil, settings.stateDirectory)
            }
            let reader = try await SharedStateReader.open(bucket: bucket, settings: settings, runner: runner, environment: environment)
            let (journal, holder) = try await reader.cluster()
            return (journal, holder, reader.location.url)
        }
        guard let journal else {
            let error = SlinkyError.precondition(
                "slinky has no record of cluster \(settings.cluster) in \(location)",
                hint: "run `slinky install\(settings.cluster == ClusterSettings.defaultCluster ? "" : " --name \(settings.cluster)")` to create it"
                    + (settings.stateBucket == nil ? ", or pass --state-bucket if its state is shared" : ", or check --region"))
            if format == .json {
                CommandSupport.emitJSON(["event": "status", "cluster": settings.cluster, "installed": false, "steps": [Any](), "error": error.message, "location": location])
            } else {
                FileHandle.standardError.write(Data("\(error.message). \(error.hint ?? "")\n".utf8))
            }
            throw ExitCode(ExitStatus.notInstalled.rawValue)
        }
        var status = ClusterStatus(
            journal: journal, stepOrder: Pipelines.installOrder(ClusterEnvironment(settings: settings, runner: runner)))
        status.location = location
        // The heartbeat's age tells a live run from one whose machine died (taken over after 10 minutes).
        status.runningOn = holder.map { "\($0.description), last heartbeat \(ISO8601DateFormatter().string(from: $0.heartbeatAt))" }
        if format == .json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var data = try encoder.encode(status)
            if var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
                object["event"] = "status"
                data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            }
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(status.text(style: Style.detect()).utf8))
        }
        if !status.installed { throw ExitCode(ExitStatus.notInstalled.rawValue) }
    }
}
