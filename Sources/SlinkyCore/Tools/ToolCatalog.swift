import Foundation

/// The external programs slinky drives, and how to get each one.
public enum ToolCatalog {
    public struct Tool: Sendable {
        public var name: String
        public var versionArguments: [String]
        public var installHint: String
    }

    public static let aws = Tool(
        name: "aws", versionArguments: ["--version"],
        installHint: "install the AWS CLI (v1 or v2): https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html")
    public static let terraform = Tool(
        name: "terraform", versionArguments: ["version"],
        installHint: "install terraform 1.5 or later: https://developer.hashicorp.com/terraform/install")
    public static let docker = Tool(
        name: "docker", versionArguments: ["--version"],
        installHint: "install Docker (Docker Desktop, or the docker.io package on Debian/Ubuntu), or pass --skip-build to use an image already in ECR")
    public static let kubectl = Tool(
        name: "kubectl", versionArguments: ["version", "--client"],
        installHint: "install kubectl: https://kubernetes.io/docs/tasks/tools/")

    public static let helm = Tool(
        name: "helm", versionArguments: ["version", "--short"],
        installHint: "install helm 3 or 4: https://helm.sh/docs/intro/install/")

    public static let all = [aws, terraform, docker, kubectl, helm]

    public static func installHint(for tool: String) -> String {
        all.first { $0.name == (tool as NSString).lastPathComponent }?.installHint ?? ProcessRunner.genericInstallHint(tool)
    }

    /// The first line of a version banner, which is all anyone needs in a log ("Terraform v1.11.4").
    public static func firstVersionLine(_ output: String) -> String {
        output.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}

/// What running a tool's version command found: preflight and `slinky doctor` tell these three apart.
public enum ToolProbe: Sendable, Equatable {
    case working(version: String)
    case missing
    /// On PATH, but its version command failed; the failure carries the command and its stderr tail.
    case failing(CommandFailure)
}

extension ToolCatalog {
    /// Runs `tool`'s version command. A tool that is present but broken is not "missing": the user must
    /// repair it, and needs its own error message to know how.
    public static func probe(_ tool: Tool, runner: ProcessRunner, log: StepLog?) async throws -> ToolProbe {
        let invocation = Invocation(tool.name, tool.versionArguments)
        log?.command(invocation.commandLine)
        let result: ProcessResult
        do {
            result = try await runner.run(invocation, sink: log)
        } catch SlinkyError.toolMissing {
            return .missing
        }
        guard result.succeeded else {
            let tail = result.standardErrorTail.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            let fallback = tail.isEmpty ? result.standardOutput.split(separator: "\n").suffix(5).map(String.init) : tail
            return .failing(CommandFailure(
                commandLine: invocation.commandLine, exitDescription: result.exitDescription, stderrTail: fallback,
                logPath: log?.path == "/dev/null" ? nil : log?.path,
                hint: "repair or reinstall \(tool.name) until `\(invocation.commandLine)` works (a Python CLI often breaks when another package replaces its libraries); \(tool.installHint)"))
        }
        // aws v1 prints its version on stderr.
        let text = result.standardOutput.isEmpty ? result.standardErrorTail.joined(separator: "\n") : result.standardOutput
        return .working(version: firstVersionLine(text))
    }

    /// The probe as preflight needs it: the version, or the error that stops the run.
    public static func requireWorking(_ tool: Tool, runner: ProcessRunner, log: StepLog?) async throws -> String {
        switch try await probe(tool, runner: runner, log: log) {
        case .working(let version): return version
        case .missing: throw SlinkyError.toolMissing(tool: tool.name, hint: tool.installHint)
        case .failing(let failure): throw SlinkyError.toolFailing(tool: tool.name, failure: failure)
        }
    }
}
