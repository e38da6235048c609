import Foundation

/// Writes image_repository, image_tag and ssh_key into the blueprint, changing nothing else in the file.
public struct BlueprintStep: PipelineStep {
    public let id = "blueprint"
    public let title = "Blueprint values"
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public var dependencies: [String] { env.settings.skipSetup ? ["identity"] : ["image", "ssh-key"] }

    var path: String { env.settings.blueprintPath }

    func desiredValues(_ context: StepContext) throws -> [(String, String)] {
        [("image_repository", try context.require("image", "repository_uri")),
         ("image_tag", env.settings.tag),
         ("ssh_key", try context.require("ssh-key", "public_key"))]
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("path", path)
        if env.settings.skipSetup {
            f.add("skip-setup", "yes")
        } else {
            for (key, value) in try desiredValues(context) { f.add(key, value) }
        }
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        if env.settings.skipSetup { return ["# --skip-setup: check that \(path) already sets image_repository, image_tag and ssh_key"] }
        return ["# set image_repository, image_tag, ssh_key in \(path) (atomic rewrite; untouched when already set)"]
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let document = try BlueprintFile.load(path)
        if env.settings.skipSetup {
            try BlueprintFile.requireSetupValues(document, path: path)
            return .holds
        }
        for (key, value) in try desiredValues(context) where document.string(key) != value {
            return .drifted("\(key) in \(path) no longer holds the value slinky set")
        }
        return .holds
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        var document = try BlueprintFile.load(path)
        if env.settings.skipSetup {
            try BlueprintFile.requireSetupValues(document, path: path)
            return StepResult(
                outputs: Dictionary(uniqueKeysWithValues: BlueprintFile.managedKeys.map { ($0, document.string($0) ?? "") }),
                outcome: .skipped)
        }
        let values = try desiredValues(context)
        let changed: Bool
        do {
            changed = try document.set(values)
        } catch {
            throw SlinkyError.blueprint(path: path, problem: "line \(error.line): \(error.message)", hint: "make that value one line and run again")
        }
        if changed {
            try AtomicFile.write(document.text, to: path)
            context.log.write("updated \(values.map(\.0).joined(separator: ", ")) in \(path)")
        } else {
            context.log.write("\(path) already holds these values; left untouched")
        }
        var outputs = Dictionary(uniqueKeysWithValues: values)
        outputs["changed"] = changed ? "yes" : "no"
        return StepResult(outputs: outputs)
    }
}
