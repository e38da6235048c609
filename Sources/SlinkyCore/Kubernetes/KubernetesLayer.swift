import Foundation

/// terraform/kubernetes, evaluated: it has no provider and no resource, so an apply into a throwaway state
/// only computes its outputs (about a second, offline). `slinky render` and the install's `kubernetes` step
/// both get their releases from here.
public struct KubernetesLayer: Sendable {
    public let runner: ProcessRunner
    /// The slinky checkout; the layer is its terraform/kubernetes.
    public let projectDirectory: String
    /// Where the evaluation keeps terraform's data directory, its state and the AWS outputs it reads.
    public let workDirectory: String
    public let blueprintPath: String
    public let cluster: String
    public let region: String

    public var layerDirectory: String { "\(projectDirectory)/terraform/kubernetes" }

    var statePath: String { "\(workDirectory)/plan.tfstate" }
    var awsVariablesPath: String { "\(workDirectory)/aws-outputs.tfvars.json" }

    private func invocation(_ arguments: [String]) -> Invocation {
        // TF_WORKSPACE from the user's shell would point the throwaway state elsewhere.
        Invocation("terraform", ["-chdir=\(layerDirectory)"] + arguments,
                   environment: ["TF_DATA_DIR": "\(workDirectory)/data", "TF_WORKSPACE": nil])
    }

    public var initialize: Invocation { invocation(["init", "-input=false", "-no-color", "-backend=false"]) }

    public func evaluate(withAWSOutputs: Bool) -> Invocation {
        var arguments = ["apply", "-input=false", "-no-color", "-auto-approve", "-state=\(statePath)",
                         "-var-file=\(blueprintPath)", "-var", "name=\(cluster)", "-var", "region=\(region)"]
        if withAWSOutputs { arguments.append("-var-file=\(awsVariablesPath)") }
        return invocation(arguments)
    }

    public var outputs: Invocation { invocation(["output", "-no-color", "-json", "-state=\(statePath)"]) }

    public func plannedCommands(withAWSOutputs: Bool) -> [String] {
        [initialize.commandLine, evaluate(withAWSOutputs: withAWSOutputs).commandLine, outputs.commandLine]
    }

    /// The releases for this blueprint; `awsOutputs` is the AWS layer's `terraform output -json`, or nil
    /// before that layer exists (values only AWS knows are then placeholders).
    public func plan(awsOutputs: String?, log: StepLog) async throws -> DeploymentPlan {
        try AtomicFile.makeDirectory(workDirectory, permissions: 0o700)
        // Each evaluation starts from nothing: an old state would only be overwritten anyway.
        try? FileManager.default.removeItem(atPath: statePath)
        let awsFile = awsOutputs.flatMap(DeploymentPlan.awsVariableFile(fromAWSOutputs:))
        if let awsFile {
            try AtomicFile.write(awsFile, to: awsVariablesPath, permissions: 0o600)
        } else {
            try? FileManager.default.removeItem(atPath: awsVariablesPath)
        }
        if fileKind("\(workDirectory)/data/modules/modules.json") != .file {
            try await run(initialize, log: log)
        }
        try await run(evaluate(withAWSOutputs: awsFile != nil), log: log)
        let result = try await run(outputs, log: log)
        return try DeploymentPlan.parse(terraformOutput: result.standardOutput)
    }

    @discardableResult
    private func run(_ invocation: Invocation, log: StepLog) async throws -> ProcessResult {
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log, captureOutput: true)
        guard result.succeeded else {
            let lines = Terraform.errorLines(result.standardErrorTail)
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: invocation.commandLine, exitDescription: result.exitDescription, stderrTail: lines,
                logPath: log.path == "/dev/null" ? nil : log.path,
                hint: lines.first.map { _ in "fix the blueprint value terraform names, then run again" }))
        }
        return result
    }
}

extension ClusterEnvironment {
    /// The evaluation keeps its files beside the cluster's other state.
    public var kubernetesLayer: KubernetesLayer {
        KubernetesLayer(
            runner: runner, projectDirectory: settings.projectDirectory, workDirectory: "\(settings.stateDirectory)/kubernetes",
            blueprintPath: settings.blueprintPath, cluster: settings.cluster, region: settings.region)
    }

    /// Where this cluster's charts come from: --charts / SLINKY_CHARTS_DIR, else pulled into the cache.
    public func chartSource(environment: [String: String]) -> ChartSource {
        ChartSource(
            runner: runner, layerDirectory: kubernetesLayer.layerDirectory, offlineDirectory: settings.chartsDirectory,
            cacheDirectory: ChartSource.defaultCacheDirectory(environment: environment))
    }
}
