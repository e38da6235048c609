import Foundation

/// `slinky render`: the Kubernetes layer's releases rendered with helm into a folder, for review before an
/// install, for GitOps, and for the offline checks. Reads nothing from AWS; an installed cluster's real
/// values come from its terraform state, otherwise placeholders stand in.
public enum RenderService {
    public static func run(settings: ClusterSettings, output: String, runner: ProcessRunner, environment: [String: String], log: StepLog) async throws -> RenderReport {
        guard fileKind(settings.blueprintPath) == .file else {
            throw SlinkyError.blueprint(path: settings.blueprintPath, problem: "it does not exist", hint: "pass --blueprint with your blueprint file")
        }
        let document = try BlueprintFile.load(settings.blueprintPath)
        // Before install the blueprint has no image yet and the render shows a placeholder of the right Slurm release.
        try SlinkyVersions.check(
            blueprintPath: settings.blueprintPath, slinkyVersion: document.string("slinky_version"),
            imageTag: document.string("image_tag") ?? "")

        let env = ClusterEnvironment(settings: settings, runner: runner)
        let awsOutputs = await installedOutputs(env, log: log)
        let plan = try await env.kubernetesLayer.plan(awsOutputs: awsOutputs, log: log)
        return try await ManifestRenderer(runner: runner, charts: env.chartSource(environment: environment))
            .render(plan, cluster: settings.cluster, into: output.absolutePath(relativeTo: FileManager.default.currentDirectoryPath), log: log)
    }

    /// The AWS layer's outputs when this machine has the cluster's terraform set up, else nil (placeholders).
    static func installedOutputs(_ env: ClusterEnvironment, log: StepLog) async -> String? {
        guard fileKind("\(env.settings.terraformDataDirectory)/terraform.tfstate") == .file, env.terraform.stateMayExist,
            let result = try? await env.terraform.run(env.terraform.outputJSON, log: log)
        else { return nil }
        let text = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return text == "{}" || text.isEmpty ? nil : text
    }
}
