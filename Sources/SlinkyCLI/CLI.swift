import ArgumentParser
import Foundation
import SlinkyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct SlinkyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "slinky",
        abstract: "Stand up a Slurm cluster (SchedMD Slinky) on Amazon EKS, and tear it down again.",
        discussion: """
            Every step is resumable: run the same command again after a failure or Ctrl-C and it continues \
            where it stopped. Exit codes: 0 ok, 1 a step failed (re-run to resume), 3 not installed (status), \
            64 bad usage or input, 65 unusable blueprint or key, 69 missing tool or service, 75 cluster locked \
            by another run, 77 AWS credentials, 130 interrupted, 143 terminated.
            """,
        version: Slinky.version,
        subcommands: [Install.self, Cleanup.self, Status.self, List.self, StateCommand.self, ImageCommand.self]
    )

    public init() {}
}

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

    func outputFormat(_ environment: [String: String]) throws -> OutputFormat {
        let value = output ?? environment["SLINKY_OUTPUT"] ?? "text"
        guard let format = OutputFormat(rawValue: value) else {
            throw ValidationError("--output must be text or json, not \"\(value)\"")
        }
        return format
    }
}

/// Flags that change how a changing command runs.
public struct RunOptions: ParsableArguments {
    @Flag(name: .long, help: "Do not ask for confirmation (env: SLINKY_YES=1).")
    var yes = false

    @Flag(name: .customLong("dry-run"), help: "Print the ordered steps and the exact commands; change nothing (env: SLINKY_DRY_RUN=1).")
    var dryRun = false

    @Flag(name: .long, help: "Re-check every step against the real world (terraform plan on every target) and repair drift (env: SLINKY_RECONCILE=1).")
    var reconcile = false

    public init() {}
}

func flag(_ value: Bool, _ variable: String, _ environment: [String: String]) -> Bool {
    if value { return true }
    guard let text = environment[variable]?.lowercased() else { return false }
    return ["1", "true", "yes", "on"].contains(text)
}

/// Builds the pieces every command shares and maps errors to the documented exit codes.
enum CommandSupport {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func sink(_ format: OutputFormat) -> any EventSink {
        let style = Style.detect()
        switch format {
        case .json: return JSONRenderer()
        case .text: return isatty(STDERR_FILENO) == 1 ? LiveRenderer(style: style) : PlainRenderer(style: style)
        }
    }

    static func resolver() -> SettingsResolver {
        SettingsResolver(
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath,
            executablePath: CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath } ?? "")
    }

    static func makeRunner() -> ProcessRunner {
        ProcessRunner(redactor: Redactor(), interrupts: InterruptController.shared)
    }

    /// Runs what a command does before (or instead of) a pipeline; a SlinkyError becomes its one-line report
    /// and documented exit code.
    static func reporting<T>(_ command: String, format: OutputFormat, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SlinkyError {
            throw fail(error, format: format, command: command)
        }
    }

    /// Settings for `command`, or the command's failure report.
    static func settings(_ raw: SettingsResolver.Raw, command: String, format: OutputFormat, runner: ProcessRunner) async throws -> ClusterSettings {
        try await reporting(command, format: format) { try await resolver().resolve(raw, command: command, runner: runner) }
    }

    static func emitJSON(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// A failure before any pipeline starts (bad flag value, missing checkout): one line, documented exit code.
    static func fail(_ error: SlinkyError, format: OutputFormat, command: String) -> ExitCode {
        if format == .json {
            let object: [String: Any] = [
                "event": "summary", "command": command, "result": "failed", "exitCode": error.exitStatus.rawValue,
                "error": error.message, "hint": error.hint ?? "",
            ]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        } else {
            let style = Style.detect()
            var text = style.red("error: ") + error.message
            if let hint = error.hint { text += "\nnext: \(hint)" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        return ExitCode(error.exitStatus.rawValue)
    }
}
