import Foundation
import Testing
@testable import SlinkyCore

private let sshKeygen = "/usr/bin/ssh-keygen"
private let hasSSHKeygen = FileManager.default.isExecutableFile(atPath: sshKeygen)

/// Writes a generated pair the way SSHKeyStep does: private 0600, public 0644.
private func writePair(_ pair: OpenSSHKeyPair, to path: String, publicFile: Bool = true) throws {
    try AtomicFile.write(pair.privateKeyPEM, to: path, permissions: 0o600)
    if publicFile { try AtomicFile.write(pair.publicKeyLine + "\n", to: path + ".pub", permissions: 0o644) }
}

private func fields(_ line: String) -> [String] {
    line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
}

@Suite("OpenSSH keys")
struct OpenSSHKeyTests {
    @Test("a generated pair has the OpenSSH armour, an ssh-ed25519 public line with the comment, and matching blobs")
    func generatedShape() throws {
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        #expect(pair.privateKeyPEM.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
        #expect(pair.privateKeyPEM.hasSuffix("-----END OPENSSH PRIVATE KEY-----\n"))
        #expect(pair.privateKeyPEM.split(separator: "\n").allSatisfy { $0.count <= 70 })
        let parts = fields(pair.publicKeyLine)
        #expect(parts.count == 3)
        #expect(parts.first == "ssh-ed25519")
        #expect(parts.last == "slurm-login")
        let blob = try #require(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: pair.publicKeyLine))
        #expect(blob.count == 4 + 11 + 4 + 32)
        #expect(try OpenSSHKeyInspection.publicBlob(fromPrivateKey: pair.privateKeyPEM) == blob)
        #expect(OpenSSHKeyInspection.keyType(ofBlob: blob) == "ssh-ed25519")
        #expect(OpenSSHKeyPair.generate(comment: "slurm-login").publicKeyLine != pair.publicKeyLine)
    }

    @Test("ssh-keygen -y accepts the generated private key and derives the same public key",
          .enabled(if: hasSSHKeygen, "ssh-keygen is not installed"))
    func sshKeygenReadsPrivateKey() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        try writePair(pair, to: path)
        let derived = try await runTool(sshKeygen, ["-y", "-f", path])
        #expect(derived.status == 0, "ssh-keygen said: \(derived.stderr)")
        let line = derived.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Array(fields(line).prefix(2)) == Array(fields(pair.publicKeyLine).prefix(2)))
    }

    @Test("ssh-keygen -l prints the same SHA256 fingerprint as OpenSSHKeyInspection",
          .enabled(if: hasSSHKeygen, "ssh-keygen is not installed"))
    func fingerprintMatchesSSHKeygen() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        try writePair(pair, to: path)
        let listed = try await runTool(sshKeygen, ["-l", "-E", "sha256", "-f", path + ".pub"])
        #expect(listed.status == 0, "ssh-keygen said: \(listed.stderr)")
        let blob = try #require(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: pair.publicKeyLine))
        let ours = OpenSSHKeyInspection.fingerprint(ofBlob: blob)
        #expect(ours.hasPrefix("SHA256:"))
        #expect(fields(listed.stdout).dropFirst().first == ours)
    }

    @Test("keys made by ssh-keygen are read too, with or without a passphrase",
          .enabled(if: hasSSHKeygen, "ssh-keygen is not installed"),
          arguments: ["", "secret-passphrase"])
    func readsSSHKeygenKeys(passphrase: String) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        let made = try await runTool(sshKeygen, ["-q", "-t", "ed25519", "-N", passphrase, "-C", "x", "-f", path])
        #expect(made.status == 0, "ssh-keygen said: \(made.stderr)")
        let privateText = try String(contentsOfFile: path, encoding: .utf8)
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let fromPub = try #require(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: publicLine))
        #expect(try OpenSSHKeyInspection.publicBlob(fromPrivateKey: privateText) == fromPub)

        let existing = try #require(try SSHKeyStep.inspect(path: path))
        #expect(existing.publicKeyLine == publicLine)
        #expect(!existing.needsPublicFile)
        let listed = try await runTool(sshKeygen, ["-l", "-E", "sha256", "-f", path + ".pub"])
        #expect(fields(listed.stdout).dropFirst().first == existing.fingerprint)
    }

    @Test("text that is not an OpenSSH private key is told apart from a damaged one")
    func rejectsOtherFormats() {
        #expect(throws: OpenSSHKeyError.notOpenSSHFormat) {
            try OpenSSHKeyInspection.publicBlob(fromPrivateKey: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
        }
        #expect(throws: OpenSSHKeyError.malformed) {
            try OpenSSHKeyInspection.publicBlob(fromPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n")
        }
        let truncated = (Data("openssh-key-v1".utf8) + Data([0]) + Data([0, 0, 0, 4])).base64EncodedString()
        #expect(throws: OpenSSHKeyError.malformed) {
            try OpenSSHKeyInspection.publicBlob(fromPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n\(truncated)\n-----END OPENSSH PRIVATE KEY-----\n")
        }
        #expect(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: "ssh-ed25519") == nil)
    }
}

@Suite("SSHKeyStep.inspect")
struct SSHKeyInspectTests {
    @Test("nothing at the path means nil: the step will generate a key")
    func nothing() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        #expect(try SSHKeyStep.inspect(path: dir.file("id_ed25519")) == nil)
    }

    @Test("a directory at the key path is an error")
    func directory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = #expect(throws: SlinkyError.self) { try SSHKeyStep.inspect(path: path) }
        #expect(error?.message.contains("directory") == true)
        #expect(error?.exitStatus == .dataError)
    }

    @Test("a .pub without its private key is an error, and nothing is written")
    func orphanPublicKey() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        try AtomicFile.write(OpenSSHKeyPair.generate(comment: "x").publicKeyLine + "\n", to: path + ".pub")
        let error = #expect(throws: SlinkyError.self) { try SSHKeyStep.inspect(path: path) }
        #expect(error?.message.contains("without its private key") == true)
        #expect(fileKind(path) == .missing)
    }

    @Test("a .pub of another key is a mismatch error")
    func mismatch() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        try writePair(OpenSSHKeyPair.generate(comment: "one"), to: path, publicFile: false)
        try AtomicFile.write(OpenSSHKeyPair.generate(comment: "two").publicKeyLine + "\n", to: path + ".pub")
        let error = #expect(throws: SlinkyError.self) { try SSHKeyStep.inspect(path: path) }
        #expect(error?.message.contains("does not match") == true)
    }

    @Test("a private key without .pub is reused, and the step is told to write the .pub")
    func needsPublicFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        try writePair(pair, to: path, publicFile: false)
        let existing = try #require(try SSHKeyStep.inspect(path: path))
        #expect(existing.needsPublicFile)
        #expect(Array(fields(existing.publicKeyLine).prefix(2)) == Array(fields(pair.publicKeyLine).prefix(2)))
        let blob = try #require(OpenSSHKeyInspection.publicBlob(fromPublicKeyLine: pair.publicKeyLine))
        #expect(existing.fingerprint == OpenSSHKeyInspection.fingerprint(ofBlob: blob))
    }

    @Test("a matching pair is reused as it is")
    func matchingPair() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        let pair = OpenSSHKeyPair.generate(comment: "slurm-login")
        try writePair(pair, to: path)
        let existing = try #require(try SSHKeyStep.inspect(path: path))
        #expect(!existing.needsPublicFile)
        #expect(existing.publicKeyLine == pair.publicKeyLine)
    }

    @Test("a .pub that is not a public key line is an error")
    func garbagePublicFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("id_ed25519")
        try writePair(OpenSSHKeyPair.generate(comment: "x"), to: path, publicFile: false)
        try AtomicFile.write("not a key\n", to: path + ".pub")
        #expect(throws: SlinkyError.self) { try SSHKeyStep.inspect(path: path) }
    }
}
