import Foundation

/// Writes image_repository, image_tag and ssh_key into the blueprint, changing nothing else in the file.
public struct BlueprintStep: PipelineStep {
    public let id = StepID.blueprint
    public let title = "Blueprint values"
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    public var dependencies: [StepID] { env.settings.skipSetup ? [.identity] : [.image, .sshKey] }

    /// The CIDR for the login load balancer: --allow-cidr, else what the blueprint already says, else
    /// the caller's public address (as the old install.sh did), never the whole internet by default.
    func loginCIDR(_ document: TfvarsDocument, _ context: StepContext) async throws -> String {
        if let flag = env.settings.allowCIDR { return flag }
        if let existing = document.string("login_allow_cidr"), !existing.isEmpty { return existing }
        let lookup = Invocation("curl", ["-fsS", "--max-time", "10", "https://checkip.amazonaws.com"])
        context.log.command(lookup.commandLine)
        let result = try? await env.runner.run(lookup, sink: context.log)
        let address = result?.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard result?.succeeded == true, LoginCIDR.isIPv4(address) else {
            throw SlinkyError.precondition(
                "could not find your public IP address to limit SSH to the login node",
                hint: "pass --allow-cidr with the address range allowed to reach it, e.g. --allow-cidr 203.0.113.7/32")
        }
        return address + "/32"
    }

    var path: String { env.settings.blueprintPath }

    func desiredValues(_ context: StepContext) throws -> [(String, String)] {
        // The digest pins what nodes run to what was built and checked, whatever later happens to the tag.
        [("image_repository", try context.require(.image, "repository_uri")),
         ("image_tag", env.settings.tag),
         ("image_digest", try context.require(.image, "digest")),
         ("ssh_key", try context.require(.sshKey, "public_key"))]
    }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("path", path)
        // The range that will be written: the flag's, else the one the blueprint already holds. Without the
        // flag a re-run keeps the blueprint's, so the flag's absence must not count as a change.
        f.add("login-cidr", env.settings.allowCIDR ?? (try? BlueprintFile.load(path))?.string("login_allow_cidr") ?? "")
        if env.settings.skipSetup {
            f.add("skip-setup", "yes")
        } else {
            for (key, value) in try desiredValues(context) { f.add(key, value) }
        }
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        let cidr = env.settings.allowCIDR.map { "login_allow_cidr = \($0)" }
            ?? "login_allow_cidr (kept if set, else your public IP from curl https://checkip.amazonaws.com)"
        if env.settings.skipSetup {
            return ["# --skip-setup: check that \(path) already sets image_repository, image_tag and ssh_key; set \(cidr)"]
        }
        return ["# set image_repository, image_tag, ssh_key and \(cidr) in \(path) (atomic rewrite; untouched when already set)"]
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        let document = try BlueprintFile.load(path)
        if env.settings.skipSetup {
            try BlueprintFile.requireSetupValues(document, path: path)
            return (document.string("login_allow_cidr") ?? "").isEmpty ? .drifted("login_allow_cidr is no longer set") : .holds
        }
        for (key, value) in try desiredValues(context) where document.string(key) != value {
            return .drifted("\(key) in \(path) no longer holds the value slinky set")
        }
        if (document.string("login_allow_cidr") ?? "").isEmpty { return .drifted("login_allow_cidr is no longer set") }
        return .holds
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        var document = try BlueprintFile.load(path)
        var values = env.settings.skipSetup ? [] : try desiredValues(context)
        if env.settings.skipSetup { try BlueprintFile.requireSetupValues(document, path: path) }
        values.append(("login_allow_cidr", try await loginCIDR(document, context)))
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
        for key in BlueprintFile.managedKeys where outputs[key] == nil { outputs[key] = document.string(key) ?? "" }
        outputs["changed"] = changed ? "yes" : "no"
        return StepResult(outputs: outputs, outcome: env.settings.skipSetup && !changed ? .skipped : .done)
    }
}
