import Foundation

/// A `.tar.gz` for a bug report: the journal, every step log of the latest run, the terraform outputs,
/// the tool versions and the blueprint — each file passed through `SecretScrubber` before it is packed.
public struct BugBundle: Sendable {
    public let settings: ClusterSettings
    public let runner: ProcessRunner
    public let scrubber: SecretScrubber

    public init(settings: ClusterSettings, runner: ProcessRunner, environment: [String: String]) {
        self.settings = settings
        self.runner = runner
        self.scrubber = SecretScrubber(environment: environment, privateKeyPaths: [settings.sshKeyPath])
    }

    /// What went into the bundle, by path inside it.
    public struct Contents: Sendable {
        public var path: String
        public var files: [String]
        public var run: String?
    }

    public func write(to output: String, journal: Journal?, runSelector: String = "latest") async throws -> Contents {
        let destination = output.absolutePath(relativeTo: FileManager.default.currentDirectoryPath)
        guard destination.hasSuffix(".tar.gz") || destination.hasSuffix(".tgz") else {
            throw SlinkyError.invalidInput("the bundle \(output) must end in .tar.gz", hint: "pass --bundle NAME.tar.gz")
        }
        let name = "slinky-\(settings.cluster)-\(RunDriver.stamp.string(from: Date()))"
        let staging = NSTemporaryDirectory() + "\(name)-\(getpid())"
        let root = "\(staging)/\(name)"
        try AtomicFile.makeDirectory(root, permissions: 0o700)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        var files: [String] = []
        func add(_ relative: String, _ text: String) throws {
            let path = "\(root)/\(relative)"
            try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent, permissions: 0o700)
            try AtomicFile.write(scrubber.scrub(text), to: path, permissions: 0o600)
            files.append(relative)
        }

        if let journal {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try add("journal.json", String(decoding: try encoder.encode(journal), as: UTF8.self))
            // What the final apply reported; terraform's sensitive outputs were never recorded.
            let outputs = journal.install[StepID.terraformApply.rawValue]?.outputs ?? [:]
            let data = try JSONSerialization.data(withJSONObject: outputs, options: [.prettyPrinted, .sortedKeys])
            try add("terraform-outputs.json", String(decoding: data, as: UTF8.self))
        }
        let logs = RunLogs(settings: settings)
        let run = logs.runs().isEmpty ? nil : try logs.run(runSelector)
        if let run {
            for step in logs.steps(in: run) {
                let text = (try? String(contentsOfFile: "\(logs.directory)/\(run)/\(step).log", encoding: .utf8)) ?? ""
                try add("logs/\(run)/\(step).log", text)
            }
        }
        var versions = ["slinky \(Slinky.version)"]
        for tool in ToolCatalog.all {
            switch try await ToolCatalog.probe(tool, runner: runner, log: nil) {
            case .working(let version): versions.append("\(tool.name): \(version)")
            case .missing: versions.append("\(tool.name): not installed")
            case .failing(let failure): versions.append("\(tool.name): installed but failing: \(failure.summary)")
            }
        }
        try add("tool-versions.txt", versions.joined(separator: "\n") + "\n")
        if let blueprint = try? BlueprintFile.read(settings.blueprintPath) {
            try add("blueprint.tfvars", blueprint)
        }
        try add("README.txt", """
            slinky bug report bundle for cluster \(settings.cluster) in \(settings.region), made \(ISO8601DateFormatter().string(from: Date())).
            Run: \(run ?? "none"). Secrets (AWS keys and tokens, passwords, private keys) were replaced with \(SecretScrubber.marker).
            Files: \(files.joined(separator: ", "))

            """)

        let tar = Invocation("tar", ["-czf", destination, "-C", staging, name])
        let result = try await runner.run(tar)
        guard result.succeeded else {
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: tar.commandLine, exitDescription: result.exitDescription, stderrTail: result.standardErrorTail,
                logPath: nil, hint: "check that the folder of \(destination) exists and is writable"))
        }
        chmod(destination, 0o600)
        return Contents(path: destination, files: files, run: run)
    }
}
