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
        if phase == .install {
            commands.append("aws ec2 describe-availability-zones, describe-instance-type-offerings, describe-instance-types, describe-vpcs, describe-addresses; aws elbv2 describe-load-balancers; aws service-quotas get-service-quota; aws eks describe-cluster-versions; aws sts get-caller-identity --debug (the doctor's checks, read-only)")
        }
        return commands
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        var outputs: [String: String] = [:]
        var tools = [ToolCatalog.aws, ToolCatalog.terraform]
        if needsDocker { tools.append(ToolCatalog.docker) }
        // helm installs the Kubernetes layer; a blueprint that stops after the AWS layer does not need it.
        if phase == .install && deploysKubernetesLayer { tools.append(ToolCatalog.helm) }
        // A version the same executable gave before is not asked again (ToolVersionCache says why): the
        // aws CLI is proven by the STS call beside this step, the others by the step that next needs them.
        let probed = tools + [ToolCatalog.kubectl]
        let remembered = env.toolVersions.versions(of: probed.map(\.name))
        // Every other version check at once (the aws CLI alone takes ~0.5 s to start); the log and the first
        // error still follow the order above.
        let probes = await Self.probeAll(probed, runner: env.runner, skipping: remembered)
        var answered: [String: String] = [:]
        for (tool, answer) in zip(probed, probes) {
            if case .working(let version)? = try? answer.get(), remembered[tool.name] == nil { answered[tool.name] = version }
        }
        if !answered.isEmpty { env.toolVersions.record(answered) }
        for (tool, probe) in zip(tools, probes) {
            context.log.command(Invocation(tool.name, tool.versionArguments).commandLine)
            switch try probe.get() {
            case .working(let version):
                if remembered[tool.name] != nil { context.log.write("(remembered: the same executable gave this answer before)") }
                context.log.write(version)
                outputs[tool.name] = version
            case .missing: throw SlinkyError.toolMissing(tool: tool.name, hint: tool.installHint)
            case .failing(let failure): throw SlinkyError.toolFailing(tool: tool.name, failure: failure)
            }
        }
        if needsDocker {
            outputs["docker-daemon"] = try await env.docker.serverVersion(log: context.log)
        }
        context.log.command(Invocation(ToolCatalog.kubectl.name, ToolCatalog.kubectl.versionArguments).commandLine)
        switch try probes[tools.count].get() {
        case .working(let version): outputs["kubectl"] = version
        case .missing:
            context.warn("kubectl is not installed; slinky will not be able to look up the login hostname or release load balancers (\(ToolCatalog.kubectl.installHint))")
        case .failing(let failure):
            context.warn("kubectl is installed but failing (\(failure.summary)); slinky will not be able to look up the login hostname or release load balancers")
        }
        try checkInputs(context)
        if let summary = try await checkCapacity(context) { outputs["doctor"] = summary }
        return StepResult(outputs: outputs)
    }

    /// One tool's answer, or the error that kept it from answering.
    struct ProbeAnswer: Sendable {
        var probe: ToolProbe = .missing
        var error: (any Error)?

        func get() throws -> ToolProbe {
            if let error { throw error }
            return probe
        }
    }

    /// Probes each tool at the same time; answers in the order given.
    /// A tool named in `remembered` answers with that version without being started.
    static func probeAll(
        _ tools: [ToolCatalog.Tool], runner: ProcessRunner, skipping remembered: [String: String] = [:]
    ) async -> [ProbeAnswer] {
        var answers = [ProbeAnswer](repeating: ProbeAnswer(), count: tools.count)
        await withTaskGroup(of: (Int, ProbeAnswer).self) { group in
            for (position, tool) in tools.enumerated() {
                if let version = remembered[tool.name] {
                    answers[position] = ProbeAnswer(probe: .working(version: version))
                    continue
                }
                group.addTask {
                    var answer = ProbeAnswer()
                    do { answer.probe = try await ToolCatalog.probe(tool, runner: runner, log: nil) } catch { answer.error = error }
                    return (position, answer)
                }
            }
            for await (position, answer) in group { answers[position] = answer }
        }
        return answers
    }

    /// `slinky doctor`'s account checks (instance offerings, quotas, EKS version, disk, clock), so an install
    /// that cannot succeed stops before its first change. Only until the cluster's VPC exists: after that the
    /// cluster holds its own share of the quotas, and a re-run should not pay for the calls.
    func checkCapacity(_ context: StepContext) async throws -> String? {
        guard phase == .install else { return nil }
        let journal = (try? JournalStore.load(path: env.settings.journalPath)) ?? nil
        if journal?.install[StepID.terraformApply(target: "module.vpc").rawValue]?.state == .succeeded { return nil }
        let findings = await Doctor(settings: env.settings, runner: env.runner, log: context.log)
            .run(.installPreflight(buildsImage: needsDocker), journal: journal)
        for finding in findings where finding.level == .warning { context.warn("\(finding.check): \(finding.finding)") }
        for finding in findings where !finding.checked { context.log.write("note: \(finding.check): \(finding.finding)") }
        let errors = findings.filter { $0.level == .error }
        guard errors.isEmpty else {
            throw SlinkyError.precondition(
                "the install cannot succeed: " + errors.map(\.finding).joined(separator: "; "),
                hint: errors.map(\.fix).filter { !$0.isEmpty }.joined(separator: "; ") + " (`slinky doctor` shows every check)")
        }
        let checked = findings.filter(\.checked).count
        return "\(checked) account checks passed, \(findings.count - checked) not checked"
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
