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
        // helm installs the Kubernetes layer; a blueprint that stops after the AWS layer does not need it.
        if phase == .install && deploysKubernetesLayer { tools.append(ToolCatalog.helm) }
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

    var deploysKubernetesLayer: Bool {
        let document = try? BlueprintFile.load(env.settings.blueprintPath)
        return document?.attribute("deploy_kubernetes_layer")?.rawValue.trimmingCharacters(in: .whitespaces) != "false"
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
        // The image install would deploy: the one it builds, or with --skip-setup the blueprint's own.
        let deployedTag = settings.skipSetup ? (document.string("image_tag") ?? "") : settings.tag
        try SlinkyVersions.check(blueprintPath: settings.blueprintPath, slinkyVersion: document.string("slinky_version"), imageTag: deployedTag)
        if settings.skipSetup {
            try BlueprintFile.requireSetupValues(document, path: settings.blueprintPath)
            return
        }
        _ = try SSHKeyStep.inspect(path: settings.sshKeyPath)
        if !settings.skipBuild { try settings.requireDockerfile() }
    }
}
