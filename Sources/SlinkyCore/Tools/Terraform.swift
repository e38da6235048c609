import Foundation

/// Terraform for one cluster: its own data directory and state file, the blueprint and the cluster's
/// name and region passed explicitly on every call, never read from whatever happens to be in the shell.
public struct Terraform: Sendable {
    public let runner: ProcessRunner
    /// The root module (terraform/aws).
    public let stackDirectory: String
    public let dataDirectory: String
    public let statePath: String
    public let blueprintPath: String
    public let cluster: String
    public let region: String
    public let profile: String?
    /// Where terraform runs: the stack itself for local state, or a workspace holding a copy of it plus the
    /// S3 backend override.
    public let workingDirectory: String
    /// Set when the state lives in a bucket.
    public let remoteState: RemoteStateLocation?

    public init(
        runner: ProcessRunner, stackDirectory: String, dataDirectory: String, statePath: String,
        blueprintPath: String, cluster: String, region: String, profile: String?,
        remoteState: RemoteStateLocation? = nil, workspace: String? = nil
    ) {
        self.runner = runner
        self.remoteState = remoteState
        self.workingDirectory = remoteState == nil ? stackDirectory : (workspace ?? stackDirectory)
        self.stackDirectory = stackDirectory
        self.dataDirectory = dataDirectory
        self.statePath = statePath
        self.blueprintPath = blueprintPath
        self.cluster = cluster
        self.region = region
        self.profile = profile
    }

    private var environment: [String: String?] {
        var env: [String: String?] = ["TF_DATA_DIR": dataDirectory, "AWS_REGION": region, "AWS_DEFAULT_REGION": region]
        if let profile { env["AWS_PROFILE"] = profile }
        return env
    }

    private func invocation(_ arguments: [String]) -> Invocation {
        Invocation("terraform", ["-chdir=\(workingDirectory)"] + arguments, environment: environment)
    }

    private var variables: [String] {
        ["-var-file=\(blueprintPath)", "-var", "name=\(cluster)", "-var", "region=\(region)"]
    }

    // A killed earlier run can leave terraform finishing in the background; wait for its state lock
    // instead of failing at once.
    static let lockTimeout = "-lock-timeout=10m"

    public var initialize: Invocation {
        if remoteState != nil {
            // The bucket is the truth: a data directory set up for another backend or bucket is re-pointed,
            // never migrated (moving state is `slinky state push`'s job).
            return invocation(["init", "-input=false", "-no-color", "-reconfigure"])
        }
        return invocation(["init", "-input=false", "-no-color", "-backend-config=path=\(statePath)"])
    }

    /// Copies the state of a data directory initialised for the local file into the bucket.
    public var migrateToRemote: Invocation {
        invocation(["init", "-input=false", "-no-color", "-migrate-state", "-force-copy"])
    }

    /// Where the state lives, as a user would look for it.
    public var stateDescription: String { remoteState.map { "s3://\($0.bucket)/\($0.terraformStateKey)" } ?? statePath }

    /// Whether there is state to read; a remote state is always asked, since only terraform can tell.
    public var stateMayExist: Bool { remoteState != nil || FileManager.default.fileExists(atPath: statePath) }

    public func apply(target: String?) -> Invocation {
        invocation(["apply", "-input=false", "-no-color", "-auto-approve", Self.lockTimeout] + variables
            + (target.map { ["-target=\($0)"] } ?? []))
    }

    /// `-detailed-exitcode`: 0 means no changes, 2 means changes are pending.
    public func plan(target: String?) -> Invocation {
        invocation(["plan", "-input=false", "-no-color", "-detailed-exitcode", Self.lockTimeout] + variables
            + (target.map { ["-target=\($0)"] } ?? []))
    }

    public func destroy(target: String?) -> Invocation {
        invocation(["destroy", "-input=false", "-no-color", "-auto-approve", Self.lockTimeout] + variables
            + (target.map { ["-target=\($0)"] } ?? []))
    }

    public var outputJSON: Invocation { invocation(["output", "-no-color", "-json"]) }

    public var stateList: Invocation { invocation(["state", "list", "-no-color"]) }

    /// Runs and fails on a non-zero exit, except the exit codes the caller says are answers.
    /// Commands that change things write straight into the step log so they survive a killed slinky.
    @discardableResult
    public func run(_ invocation: Invocation, log: StepLog, accepting accepted: Set<Int32> = [0]) async throws -> ProcessResult {
        log.command(invocation.commandLine)
        let changesThings = ["apply", "destroy", "plan", "init"].contains { invocation.arguments.dropFirst().first == $0 }
        let result: ProcessResult
        if changesThings {
            result = try await runner.runWritingTo(invocation, logPath: log.path) { line in log.display(line) }
        } else {
            result = try await runner.run(invocation, sink: log, captureOutput: true)
        }
        if let code = result.exitCode, accepted.contains(code) { return result }
        throw failure(invocation, result, log: log)
    }

    func failure(_ invocation: Invocation, _ result: ProcessResult, log: StepLog) -> SlinkyError {
        .commandFailed(CommandFailure(
            commandLine: invocation.commandLine, exitDescription: result.exitDescription,
            stderrTail: Self.errorLines(result.standardErrorTail), logPath: log.path))
    }

    /// Terraform prints its diagnostics as boxes; keep the lines that say what went wrong.
    static func errorLines(_ lines: [String]) -> [String] {
        let cleaned = lines.map { $0.replacingOccurrences(of: "│", with: "").trimmingCharacters(in: .whitespaces) }
            .filter { line in !line.isEmpty && !["╷", "╵", "├", "─"].contains { line.hasPrefix($0) } }
        // The first diagnostic, from its "Error:" headline on; the failure summary shows five lines.
        if let start = cleaned.firstIndex(where: { $0.hasPrefix("Error:") }) {
            return Array(cleaned[start...].prefix(5))
        }
        return Array(cleaned.suffix(5))
    }

    /// `terraform output -json` flattened to strings (lists and maps as compact JSON).
    public func outputs(log: StepLog) async throws -> [String: String] {
        let result = try await run(outputJSON, log: log)
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] else {
            return [:]
        }
        var flat: [String: String] = [:]
        for (key, entry) in object {
            guard let entry = entry as? [String: Any], let value = entry["value"], !(value is NSNull) else { continue }
            if entry["sensitive"] as? Bool == true { continue }
            if let string = value as? String {
                flat[key] = string
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                flat[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return flat
    }

    /// Addresses in the state; empty when nothing (or no state) exists.
    public func resources(log: StepLog) async throws -> [String] {
        guard stateMayExist else { return [] }
        let result = try await run(stateList, log: log, accepting: remoteState == nil ? [0] : [0, 1])
        if result.exitCode == 1 {
            // A bucket that never received this cluster's state is an empty state, not an error.
            guard result.standardErrorTail.joined(separator: " ").contains("No state file was found") else {
                throw failure(stateList, result, log: log)
            }
            return []
        }
        return result.standardOutput.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}

/// The order of targeted applies and destroys, declared once by the stack in terraform/stack.json.
public struct StackOrder: Codable, Sendable, Equatable {
    public var version: Int
    public var layer: String?
    public var applyTargets: [String]
    public var destroyTargetsBeforeSweep: [String]
    public var destroyTargetsAfterSweep: [String]

    enum CodingKeys: String, CodingKey {
        case version, layer
        case applyTargets = "apply_targets"
        case destroyTargetsBeforeSweep = "destroy_targets_before_sweep"
        case destroyTargetsAfterSweep = "destroy_targets_after_sweep"
    }

    public static func load(path: String) throws -> StackOrder {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SlinkyError.precondition("the stack order file \(path) is missing", hint: "run slinky from a slinky checkout, or pass --project-dir")
        }
        do {
            return try JSONDecoder().decode(StackOrder.self, from: data)
        } catch {
            throw SlinkyError.precondition("the stack order file \(path) is not valid: \(error)", hint: "")
        }
    }
}
