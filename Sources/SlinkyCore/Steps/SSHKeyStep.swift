import Foundation

/// The ed25519 key for the Slurm login pod: reused when it exists, never overwritten, made in-process when not.
public struct SSHKeyStep: PipelineStep {
    public let id = StepID.sshKey
    public let title = "SSH login key"
    public let dependencies: [StepID] = []
    let env: ClusterEnvironment

    public init(env: ClusterEnvironment) { self.env = env }

    var path: String { env.settings.sshKeyPath }

    public func fingerprint(_ context: StepContext) async throws -> String {
        var f = Fingerprint()
        f.add("path", path)
        return f.value
    }

    public func plannedCommands(_ context: StepContext) -> [String] {
        ["# reuse \(path) if it exists, else generate an ed25519 key (comment \(ClusterSettings.sshKeyComment)) in-process, mode 0600"]
    }

    public struct Existing: Sendable {
        public var publicKeyLine: String
        public var fingerprint: String
        /// The .pub file is missing and must be written from the private key.
        public var needsPublicFile: Bool
    }

    /// What is on disk at `path`, or nil when nothing is; any state slinky must not touch is an error.
    public static func inspect(path: String) throws -> Existing? {
        let pubPath = path + ".pub"
        switch fileKind(path) {
        case .directory:
            throw SlinkyError.sshKey(path: path, problem: "it is a directory", hint: "pass --ssh-key with a file path, e.g. ~/.ssh/id_ed25519_slurm")
        case .missing:
            if fileKind(pubPath) != .missing {
                throw SlinkyError.sshKey(
                    path: path, problem: "\(pubPath) exists without its private key",
                    hint: "move \(pubPath) aside (slinky will not overwrite it) or pass --ssh-key with another path")
            }
            return nil
        case .file:
            break
        }
        guard let privateText = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SlinkyError.sshKey(path: path, problem: "the file cannot be read", hint: "check its permissions")
        }
        let pubText = fileKind(pubPath) == .file ? try? String(contentsOfFile: pubPath, encoding: .utf8) : nil
        if fileKind(pubPath) == .directory {
            throw SlinkyError.sshKey(path: path, problem: "\(pubPath) is a directory", hint: "move it aside")
        }
        let pubLine = pubText?.split(whereSeparator: \.isNewline).first.map(String.init)
        let pubBlob = pubLine.flatMap(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine:))
        do {
            let blob = try OpenSSHKeyInspection.publicBlob(fromPrivateKey: privateText)
            if let pubText, pubBlob == nil {
                _ = pubText
                throw SlinkyError.sshKey(path: path, problem: "\(pubPath) is not an OpenSSH public key", hint: "move it aside; slinky writes it again from the private key")
            }
            if let pubBlob, pubBlob != blob {
                throw SlinkyError.sshKey(
                    path: path, problem: "\(pubPath) does not match the private key",
                    hint: "move the mismatched pair aside or pass --ssh-key with another path; slinky never overwrites a key")
            }
            let type = OpenSSHKeyInspection.keyType(ofBlob: blob) ?? "ssh-ed25519"
            let line = pubLine ?? "\(type) \(blob.base64EncodedString()) \(ClusterSettings.sshKeyComment)"
            return Existing(publicKeyLine: line, fingerprint: OpenSSHKeyInspection.fingerprint(ofBlob: blob), needsPublicFile: pubLine == nil)
        } catch let error as OpenSSHKeyError {
            // An older PEM key cannot be read without ssh-keygen; its .pub is enough when present.
            guard error == .notOpenSSHFormat, let pubLine, let pubBlob else {
                throw SlinkyError.sshKey(path: path, problem: "it is not an OpenSSH private key", hint: "pass --ssh-key with an OpenSSH key, or move this file aside")
            }
            return Existing(publicKeyLine: pubLine, fingerprint: OpenSSHKeyInspection.fingerprint(ofBlob: pubBlob), needsPublicFile: false)
        }
    }

    public func verify(_ recorded: StepRecord, _ context: StepContext) async throws -> Verification {
        guard let existing = try Self.inspect(path: path) else { return .drifted("\(path) is gone") }
        return existing.fingerprint == recorded.outputs["fingerprint"] ? .holds : .drifted("\(path) changed")
    }

    public func run(_ context: StepContext) async throws -> StepResult {
        if let existing = try Self.inspect(path: path) {
            if existing.needsPublicFile {
                try AtomicFile.write(existing.publicKeyLine + "\n", to: path + ".pub", permissions: 0o644)
                context.log.write("wrote the missing \(path).pub from the private key")
            }
            context.log.write("reusing \(path) (\(existing.fingerprint))")
            return StepResult(outputs: [
                "path": path, "public_key": existing.publicKeyLine, "fingerprint": existing.fingerprint, "created": "no",
            ])
        }
        let directory = (path as NSString).deletingLastPathComponent
        if fileKind(directory) == .missing { try AtomicFile.makeDirectory(directory, permissions: 0o700) }
        let pair = OpenSSHKeyPair.generate(comment: ClusterSettings.sshKeyComment)
        try AtomicFile.write(pair.privateKeyPEM, to: path, permissions: 0o600)
        try AtomicFile.write(pair.publicKeyLine + "\n", to: path + ".pub", permissions: 0o644)
        let blob = OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: pair.publicKeyLine) ?? Data()
        let fingerprint = OpenSSHKeyInspection.fingerprint(ofBlob: blob)
        context.log.write("generated \(path) (\(fingerprint))")
        return StepResult(outputs: [
            "path": path, "public_key": pair.publicKeyLine, "fingerprint": fingerprint, "created": "yes",
        ])
    }
}
