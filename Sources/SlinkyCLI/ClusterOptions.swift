import ArgumentParser
import SlinkyCore

/// Identity of the cluster, shared by every command that works on one.
public struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "Cluster name (env: SLINKY_CLUSTER_NAME; default: slurm-on-eks).")
    var name: String?

    @Option(name: .long, help: "AWS region (env: AWS_REGION, AWS_DEFAULT_REGION; then the profile's region; default: us-west-2).")
    var region: String?

    @Option(name: .long, help: "AWS CLI profile (env: AWS_PROFILE).")
    var profile: String?

    @Option(name: .long, help: "Blueprint tfvars file (env: SLINKY_BLUEPRINT; default: blueprints/blueprint.tfvars).")
    var blueprint: String?

    @Option(name: .customLong("state-dir"), help: "Where slinky keeps journals, terraform state and logs (env: SLINKY_STATE_DIR; default: .slinky in the checkout).")
    var stateDir: String?

    @Option(name: .customLong("project-dir"), help: "The slinky checkout holding terraform/ and blueprints/ (env: SLINKY_PROJECT_DIR; default: found from the current directory).")
    var projectDir: String?

    @Option(name: .customLong("state-bucket"), help: "S3 bucket holding the cluster's terraform state, journal and lock, shared by every machine (env: SLINKY_STATE_BUCKET; default: local state, or the bucket recorded for this cluster by an earlier run).")
    var stateBucket: String?

    @Option(name: .long, help: "Output: text or json, one JSON object per line (env: SLINKY_OUTPUT).")
    var output: String?

    public init() {}

    var raw: SettingsResolver.Raw {
        var raw = SettingsResolver.Raw()
        raw.name = name
        raw.region = region
        raw.profile = profile
        raw.blueprint = blueprint
        raw.stateDir = stateDir
        raw.projectDir = projectDir
        raw.stateBucket = stateBucket
        return raw
    }

    /// What a command starts from: the environment it resolves settings with, its output format and the
    /// runner its programs start through.
    func start() throws -> (environment: [String: String], format: OutputFormat, runner: ProcessRunner) {
        let environment = CommandSupport.environment
        return (environment, try outputFormat(environment), CommandSupport.makeRunner())
    }

    func outputFormat(_ environment: [String: String]) throws -> OutputFormat {
        let value = output ?? environment["SLINKY_OUTPUT"] ?? "text"
        guard let format = OutputFormat(rawValue: value) else {
            throw ValidationError("--output must be text or json, not \"\(value)\"")
        }
        return format
    }
}
