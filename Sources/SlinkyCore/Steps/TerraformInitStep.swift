import Foundation

/// `terraform init` for this cluster's data directory and state file.
public struct TerraformInitStep: PipelineStep {
    public let id = StepID.terraformInit
    public let title = "Terraform init"
    public let dependencies: [StepID]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment, dependencies: [StepID] = [.preflight]) {
        self.env = env
        self.dependencies = dependencies
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("stack", SHA256Hex.hashTree(env.settings.stackDirectory))
        f.add("state", env.terraform.stateDescription)
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] { [env.terraform.initialize.commandLine] }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let marker = "\(env.settings.terraformDataDirectory)/terraform.tfstate"
        guard fileKind(marker) == .file else { return .drifted("terraform's data directory is missing") }
        let modules = "\(env.settings.terraformDataDirectory)/modules/modules.json"
        return fileKind(modules) == .file ? .holds : .drifted("terraform's module record is missing")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        try AtomicFile.makeDirectory(env.settings.terraformDataDirectory, permissions: 0o700)
        try await env.terraform.run(env.terraform.initialize, log: context.log)
        return StepResult()
    }
}
