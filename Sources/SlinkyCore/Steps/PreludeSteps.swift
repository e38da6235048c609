import Foundation

/// Checks, before anything changes, that every tool and every input file is usable.
public struct PreflightStep: PipelineStep {
    public let id = StepID.preflight
    public let title = "Check tools and inputs"
    public let dependencies: [StepID] = []
    public var alwaysRuns: Bool { true }
    let env: ClusterEnvironment
    let phase: Phase

    public init(env: ClusterEnvironment, phase: Phase) {
        self.env = env
        self.phase = phase
    }

    var needsDocker: Bool { phase == .install && !env.settings.skipBuild && !env.settings.skipSetup }

    public func fingerprint(_ context: StepContext) async throws -> String { "" }

    public func plannedCommands(_ context: StepContext) -> [String] {
        var commands = ["aws --version", "terraform version"]
        if needsDocker { commands.append(Docker.serverVersionInvocation.commandLine) }
        return commands
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        var outputs: [String: String] = [:]
        var tools = [ToolCatalog.aws, ToolCatalog.terraform]
        if needsDocker { tools.append(ToolCatalog.docker) }
        for tool in tools {
            let invocation = Invocation(tool.name, tool.versionArguments)
            context.log.command(invocation.commandLine)
            let result = try await env.runner.run(invocation, sink: context.log)
            // aws v1 prints its version on stderr.
            let text = result.standardOutput.isEmpty ? result.standardErrorTail.joined(separator: "\n") : result.standardOutput
            guard result.succeeded else {
                throw SlinkyError.toolMissing(tool: tool.name, hint: tool.installHint)
            }
            outputs[tool.name] = ToolCatalog.firstVersionLine(text)
        }
        if needsDocker {
            outputs["docker-daemon"] = try await env.docker.serverVersion(log: context.log)
        }
        let kubectl = Invocation(ToolCatalog.kubectl.name, ToolCatalog.kubectl.versionArguments)
        if let result = try? await env.runner.run(kubectl, sink: context.log), result.succeeded {
            outputs["kubectl"] = ToolCatalog.firstVersionLine(result.standardOutput)
        } else {
            context.warn("kubectl is not installed; slinky will not be able to look up the login hostname or release load balancers (\(ToolCatalog.kubectl.installHint))")
        }
        try checkInputs(context)
        return StepResult(outputs: outputs)
    }

    /// Every user file is checked here, so a bad one stops the run before any AWS resource exists.
    func checkInputs(_ context: StepContext) throws {
        let settings = env.settings
        let document = try BlueprintFile.load(settings.blueprintPath)
        if let blueprintRegion = document.string("region"), !blueprintRegion.isEmpty, blueprintRegion != settings.region {
            throw SlinkyError.blueprint(
                path: settings.blueprintPath,
                problem: "it sets region = \"\(blueprintRegion)\" but slinky is working in \(settings.region) (from \(settings.regionSource))",
                hint: "pass --region \(blueprintRegion), or change region in the blueprint")
        }
        guard phase == .install else { return }
        if settings.skipSetup {
            try BlueprintFile.requireSetupValues(document, path: settings.blueprintPath)
            return
        }
        _ = try SSHKeyStep.inspect(path: settings.sshKeyPath)
        if !settings.skipBuild { try settings.requireDockerfile() }
    }
}

/// Who and where: the account behind the credentials, checked with STS.
public struct IdentityStep: PipelineStep {
    public let id = StepID.identity
    public let title = "Resolve account and region"
    public let dependencies: [StepID] = [.preflight]
    public var alwaysRuns: Bool { true }
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public func fingerprint(_ context: StepContext) async throws -> String { "" }

    public func plannedCommands(_ context: StepContext) -> [String] {
        [env.aws.invocation(["sts", "get-caller-identity"]).commandLine]
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let identity = try await env.aws.json(["sts", "get-caller-identity"], log: context.log)
        guard let account = identity["Account"] as? String else {
            throw SlinkyError.credentials(detail: "STS did not name an account", hint: "check your AWS credentials")
        }
        return StepResult(outputs: [
            "account": account, "arn": identity["Arn"] as? String ?? "", "region": env.settings.region,
            "profile": env.settings.profile ?? "",
        ])
    }
}

extension ClusterSettings {
    /// Preflight and `slinky image build` both refuse a Dockerfile that is not there, before any work.
    public func requireDockerfile() throws {
        guard fileKind(dockerfilePath) == .file else {
            throw SlinkyError.invalidInput(
                "the Dockerfile \(dockerfilePath) does not exist",
                hint: "pass --dockerfile with the path of the slurmd Dockerfile")
        }
    }
}

/// Reading and checking the blueprint, shared by preflight and the blueprint step.
public enum BlueprintFile {
    public static let managedKeys = ["image_repository", "image_tag", "ssh_key"]
    /// Everything slinky itself may write into a blueprint.
    public static let writtenKeys = managedKeys + ["image_digest", "login_allow_cidr"]

    public static func read(_ path: String) throws -> String {
        switch fileKind(path) {
        case .missing:
            throw SlinkyError.blueprint(path: path, problem: "the file does not exist", hint: "pass --blueprint with the path of your blueprint.tfvars")
        case .directory:
            throw SlinkyError.blueprint(path: path, problem: "it is a directory, not a file", hint: "pass --blueprint with the path of a .tfvars file")
        case .file:
            break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SlinkyError.blueprint(path: path, problem: "the file cannot be read", hint: "check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SlinkyError.blueprint(path: path, problem: "the file is not UTF-8 text", hint: "save it as UTF-8")
        }
        return text
    }

    public static func load(_ path: String) throws -> TfvarsDocument {
        let text = try read(path)
        do {
            return try TfvarsDocument(text: text)
        } catch {
            throw SlinkyError.blueprint(
                path: path, problem: "not valid HCL at line \(error.line): \(error.message)",
                hint: "fix that line (terraform would reject it too) and run again")
        }
    }

    public static func requireSetupValues(_ document: TfvarsDocument, path: String) throws {
        let missing = managedKeys.filter { (document.string($0) ?? "").isEmpty }
        guard missing.isEmpty else {
            throw SlinkyError.blueprint(
                path: path, problem: "--skip-setup needs \(missing.joined(separator: ", ")) set, and they are empty or missing",
                hint: "set them in the blueprint, or run without --skip-setup so slinky sets them")
        }
    }

    /// The blueprint without the values slinky writes, so steps that do not use them are not redone when they change.
    public static func contentExcludingManagedKeys(_ path: String) -> String {
        guard let document = try? load(path) else { return (try? read(path)) ?? "" }
        let managedLines = Set(document.attributes.filter { writtenKeys.contains($0.name) }.map(\.line))
        return document.lines.enumerated().filter { !managedLines.contains($0.offset) }.map(\.element).joined(separator: "\n")
    }
}
