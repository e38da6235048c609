import Foundation
import Synchronization

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
        // Every check at once (the aws CLI alone takes ~0.4 s to start); the log and the first error still
        // follow the order above.
        let checks = tools.map { Invocation($0.name, $0.versionArguments) }
            + [Invocation(ToolCatalog.kubectl.name, ToolCatalog.kubectl.versionArguments)]
        let results = await Self.runAll(checks, runner: env.runner)
        for (index, tool) in tools.enumerated() {
            let answer = results[index]
            context.log.command(answer.invocation.commandLine)
            answer.lines.replay(into: context.log)
            let result = try answer.get()
            guard result.succeeded else {
                throw SlinkyError.toolMissing(tool: tool.name, hint: tool.installHint)
            }
            // aws v1 prints its version on stderr.
            let text = result.standardOutput.isEmpty ? result.standardErrorTail.joined(separator: "\n") : result.standardOutput
            outputs[tool.name] = ToolCatalog.firstVersionLine(text)
        }
        if needsDocker {
            outputs["docker-daemon"] = try await env.docker.serverVersion(log: context.log)
        }
        let kubectl = results[tools.count]
        context.log.command(kubectl.invocation.commandLine)
        kubectl.lines.replay(into: context.log)
        if let result = try? kubectl.get(), result.succeeded {
            outputs["kubectl"] = ToolCatalog.firstVersionLine(result.standardOutput)
        } else {
            context.warn("kubectl is not installed; slinky will not be able to look up the login hostname or release load balancers (\(ToolCatalog.kubectl.installHint))")
        }
        try checkInputs(context)
        return StepResult(outputs: outputs)
    }

    /// One version check's answer: the result, or the error starting it, and the lines it printed.
    struct CheckAnswer: Sendable {
        var invocation: Invocation
        var result: ProcessResult?
        var error: (any Error)?
        var lines: BufferedLog

        func get() throws -> ProcessResult {
            if let result { return result }
            throw error ?? SlinkyError.precondition("\(invocation.commandLine) gave no answer", hint: "")
        }
    }

    /// Runs each invocation at the same time; answers in the order given.
    static func runAll(_ invocations: [Invocation], runner: ProcessRunner) async -> [CheckAnswer] {
        var answers = invocations.map { CheckAnswer(invocation: $0, result: nil, error: nil, lines: BufferedLog()) }
        await withTaskGroup(of: (Int, CheckAnswer).self) { group in
            for (position, pending) in answers.enumerated() {
                group.addTask {
                    var answer = pending
                    do { answer.result = try await runner.run(pending.invocation, sink: pending.lines) }
                    catch { answer.error = error }
                    return (position, answer)
                }
            }
            for await (position, answer) in group { answers[position] = answer }
        }
        return answers
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

/// Lines a command printed, kept until its turn in the step log comes (checks run at the same time, the log
/// reads one command after another).
final class BufferedLog: OutputLineSink, Sendable {
    private let lines = Mutex<[(String, Bool)]>([])

    func line(_ text: String, isError: Bool) { lines.withLock { $0.append((text, isError)) } }

    func replay(into log: StepLog) {
        for (text, isError) in lines.withLock({ $0 }) { log.line(text, isError: isError) }
    }
}
