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

    /// What `terraform init` reads, and nothing else, so an edit to a resource does not cost an init: the
    /// dependency lock file, the backend (where the state is, and the bucket's override), the data directory,
    /// and the lines of the stack that name providers and modules (see `TerraformInitInputs`).
    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("init-inputs", TerraformInitInputs.digest(stackDirectory: env.settings.stackDirectory))
        let lockFile = "\(env.terraform.workingDirectory)/.terraform.lock.hcl"
        f.add("lock-file", data: FileManager.default.contents(atPath: lockFile) ?? Data("<none>".utf8))
        f.add("state", env.terraform.stateDescription)
        f.add("backend-override", env.settings.remoteState?.terraformBackendOverride)
        f.add("data-directory", env.settings.terraformDataDirectory)
        return f.value
    }

    /// init writes the lock file, one of its own inputs: the record holds the inputs as init left them, so the
    /// next run does not mistake init's own write for a change.
    public var runRewritesInputs: Bool { true }

    public func plannedCommands(_ context: StepContext) -> [String] { [env.terraform.initialize.commandLine] }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let marker = "\(env.settings.terraformDataDirectory)/terraform.tfstate"
        guard fileKind(marker) == .file else { return .drifted("terraform's data directory is missing") }
        let modules = "\(env.settings.terraformDataDirectory)/modules/modules.json"
        guard fileKind(modules) == .file else { return .drifted("terraform's module record is missing") }
        let providers = "\(env.settings.terraformDataDirectory)/providers"
        return fileKind(providers) == .directory ? .holds : .drifted("terraform's provider folder is missing")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        try AtomicFile.makeDirectory(env.settings.terraformDataDirectory, permissions: 0o700)
        try await env.terraform.run(env.terraform.initialize, log: context.log)
        return StepResult()
    }
}

/// The lines of a terraform configuration that `terraform init` acts on: the `terraform` block's settings
/// (required providers, backend, required version), module calls with their `source` and `version`, provider
/// blocks, and the providers that resource and data types imply (`aws_vpc` needs `aws`). It errs on the side
/// of including a line: one too many costs an init, one too few would skip a needed one.
public enum TerraformInitInputs {
    public static func digest(stackDirectory: String) -> String {
        let fm = FileManager.default
        var files: [String] = []
        if let enumerator = fm.enumerator(atPath: stackDirectory) {
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name == ".terraform" || name == ".git" { enumerator.skipDescendants(); continue }
                if name.hasSuffix(".tf") || name.hasSuffix(".tf.json") { files.append(relative) }
            }
        }
        var parts: [String] = []
        var impliedProviders = Set<String>()
        for relative in files.sorted() {
            let path = (stackDirectory as NSString).appendingPathComponent(relative)
            guard fileKind(path) == .file, let data = fm.contents(atPath: path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            // JSON syntax is rare and hard to cut into lines: all of it counts.
            if relative.hasSuffix(".tf.json") { parts.append("\(relative): \(SHA256Hex.hash(data))"); continue }
            for line in relevantLines(text, implied: &impliedProviders) { parts.append("\(relative): \(line)") }
        }
        parts.append("implied providers: " + impliedProviders.sorted().joined(separator: ","))
        return SHA256Hex.hash(Data(parts.joined(separator: "\n").utf8))
    }

    static let keptAttributes = ["source", "version", "required_version", "configuration_aliases"]

    static func relevantLines(_ text: String, implied: inout Set<String>) -> [String] {
        var kept: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            switch first {
            case "resource", "data", "ephemeral":
                if words.count > 1 {
                    let type = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    implied.insert(String(type.prefix { $0 != "_" }))
                }
            case "terraform", "module", "provider", "backend", "cloud", "required_providers":
                kept.append(words.joined(separator: " "))
            default:
                let name = line.prefix { $0 != "=" && $0 != " " && $0 != "\t" }
                if keptAttributes.contains(String(name)), line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") {
                    kept.append(words.joined(separator: " "))
                }
            }
        }
        return kept
    }
}
