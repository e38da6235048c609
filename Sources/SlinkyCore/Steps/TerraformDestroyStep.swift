import Foundation

/// One `terraform destroy`, targeted or whole; a target with nothing left in the state is already done.
public struct TerraformDestroyStep: PipelineStep {
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
            id = .terraformDestroy(target: target)
            title = "Terraform destroy \(target)"
        } else {
            id = .destroyAll
            title = "Terraform destroy (everything left)"
        }
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("cluster", env.settings.cluster)
        f.add("region", env.settings.region)
        f.add("target", target)
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        [env.terraform.destroy(target: target).commandLine]
    }

    func remaining(_ context: StepContext) async throws -> [String] {
        let resources = try await env.terraform.resources(log: context.log)
        guard let target else { return resources }
        return resources.filter { $0 == target || $0.hasPrefix(target + ".") || $0.hasPrefix(target + "[") }
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let left = try await remaining(context)
        return left.isEmpty ? .holds : .drifted("\(left.count) resources are back in the state")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        let before = try await remaining(context)
        if before.isEmpty {
            context.log.write("nothing of \(target ?? "the stack") is in the state; nothing to destroy")
            return StepResult(outputs: ["destroyed": "0"])
        }
        try await env.terraform.run(env.terraform.destroy(target: target), log: context.log)
        return StepResult(outputs: ["destroyed": String(before.count)])
    }
}
