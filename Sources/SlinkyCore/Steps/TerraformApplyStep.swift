import Foundation

/// One `terraform apply`, targeted at a module or (target nil) the whole stack.
public struct TerraformApplyStep: PipelineStep {
    public let id: StepID
    public let title: String
    public let dependencies: [StepID]
    let env: ClusterEnvironment
    let target: String?

    public init(env: ClusterEnvironment, target: String?, dependencies: [StepID]) {
        self.env = env
        self.target = target
        self.dependencies = dependencies
        if let target {
            id = .terraformApply(target: target)
            title = "Terraform apply \(target)"
        } else {
            id = .terraformApply
            title = "Terraform apply (everything)"
        }
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("stack", SHA256Hex.hashTree(env.settings.stackDirectory))
        f.add("cluster", env.settings.cluster)
        f.add("region", env.settings.region)
        // Targeted applies run beside the image build, before the blueprint holds the new image values, so
        // those values are not their inputs; the full apply reads them.
        if target == nil {
            f.add("blueprint", data: Data(((try? BlueprintFile.read(env.settings.blueprintPath)) ?? "").utf8))
        } else {
            f.add("blueprint", data: Data(BlueprintFile.contentExcludingManagedKeys(env.settings.blueprintPath).utf8))
        }
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        [env.terraform.apply(target: target).commandLine]
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        env.terraform.stateMayExist ? .holds : .drifted("the terraform state file is missing")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        if context.reconcile {
            // exit 0: nothing to do; 2: changes pending, apply them.
            let plan = try await env.terraform.run(env.terraform.plan(target: target), log: context.log, accepting: [0, 2])
            if plan.exitCode == 0 {
                context.log.write("no drift: nothing to apply")
                return StepResult(outputs: try await outputs(context))
            }
            context.note("\(title): terraform found drift; applying")
        }
        try await env.terraform.run(env.terraform.apply(target: target), log: context.log)
        return StepResult(outputs: try await outputs(context))
    }

    private func outputs(_ context: StepContext) async throws -> [String: String] {
        guard target == nil else { return [:] }
        return try await env.terraform.outputs(log: context.log)
    }
}
