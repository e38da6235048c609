import Foundation
import Testing
@testable import SlinkyCore

/// `~` means `$HOME`, as in the shell: Foundation's expansion on Linux reads the passwd entry instead.
@Suite("Tilde expansion from $HOME")
struct TildeExpansionTests {
    @Test("~ and ~/path expand from the given HOME, even one with a space; other paths are untouched", arguments: [
        ("~", "/tmp/home with space", "/tmp/home with space"),
        ("~/.ssh/id_ed25519_slurm", "/tmp/home with space", "/tmp/home with space/.ssh/id_ed25519_slurm"),
        ("~/.ssh/key", "/srv/ci/", "/srv/ci/.ssh/key"),
        ("/abs/~/x", "/tmp/h", "/abs/~/x"),
        ("rel/~x", "/tmp/h", "rel/~x"),
    ])
    func expandsFromHome(path: String, home: String, expected: String) {
        #expect(path.expandingTilde(home: home) == expected)
    }

    @Test("absolutePath resolves ~ from HOME, not from the account's passwd home")
    func absolutePathUsesHome() {
        let home = "/tmp/slinky home \(UUID().uuidString.prefix(4))"
        #expect("~/.ssh/k".absolutePath(relativeTo: "/work", home: home) == "\(home)/.ssh/k")
        #expect("keys/k".absolutePath(relativeTo: "/work", home: home) == "/work/keys/k")
    }

    @Test("the settings resolver reads HOME from the environment it was given, for the default key path")
    func resolverUsesItsEnvironmentsHome() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("terraform"), withIntermediateDirectories: true)
        try "{}".write(toFile: dir.file("terraform/stack.json"), atomically: true, encoding: .utf8)
        var raw = SettingsResolver.Raw()
        raw.region = "us-west-2"
        raw.projectDir = dir.path
        let home = dir.file("a home with space")
        let resolver = SettingsResolver(environment: ["HOME": home], currentDirectory: dir.path, executablePath: "")
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        let settings = try await resolver.resolve(raw, command: "install", runner: runner)
        #expect(settings.sshKeyPath == "\(home)/.ssh/id_ed25519_slurm")
    }
}
