import Foundation

/// Puts the FSDP example job into the FSx data bucket, where the login pod sees it as /fsx/data/<file>.
public struct ExampleJobStep: PipelineStep {
    public let id = StepID.exampleJob
    public let title = "Example training job in the FSx data bucket"
    public let dependencies: [StepID] = [.terraformApply]
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    static let fileName = "llama2_7b-training.sbatch"
    var localPath: String { "\(env.settings.projectDirectory)/blueprints/\(Self.fileName)" }

    func bucket(_ context: StepContext) -> String? {
        context.output(.terraformApply, "fsx_bucket_name").flatMap { $0.isEmpty ? nil : $0 }
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("bucket", bucket(context))
        f.add("job", data: FileManager.default.contents(atPath: localPath) ?? Data())
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        let target = "s3://\(bucket(context) ?? "<fsx data bucket>")/\(Self.fileName)"
        return [env.aws.invocation(["s3", "cp", localPath, target]).commandLine + "   # only when FSx for Lustre is on"]
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        guard let bucket = bucket(context) else { return .holds }
        let head = try await env.aws.call(["s3api", "head-object", "--bucket", bucket, "--key", Self.fileName], log: context.log)
        if case .success = head { return .holds }
        return .drifted("s3://\(bucket)/\(Self.fileName) is gone")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        guard let bucket = bucket(context) else {
            context.log.write("FSx for Lustre is off in this blueprint; no data bucket to upload to")
            return StepResult(outputs: [:], outcome: .skipped)
        }
        guard fileKind(localPath) == .file else {
            context.warn("\(localPath) is missing; the example job was not uploaded")
            return StepResult(outputs: [:], outcome: .skipped)
        }
        let target = "s3://\(bucket)/\(Self.fileName)"
        switch try await env.aws.call(["s3", "cp", localPath, target], log: context.log) {
        case .success: return StepResult(outputs: ["uri": target, "path_on_cluster": "/fsx/data/\(Self.fileName)"])
        case .failure(let failure): throw failure.asError
        }
    }
}
