import Foundation
import Testing
@testable import SlinkyCore

/// Flags, their environment variables and defaults meet in one place, `SettingsResolver`.
@Suite("Settings resolution")
struct SettingsResolverTests {
    /// A checkout with just what the resolver looks for, and a region given so no `aws` is asked.
    func resolve(
        _ change: (inout SettingsResolver.Raw) -> Void, environment: [String: String] = [:]
    ) async throws -> ClusterSettings {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("terraform"), withIntermediateDirectories: true)
        try "{}".write(toFile: dir.file("terraform/stack.json"), atomically: true, encoding: .utf8)
        var raw = SettingsResolver.Raw()
        raw.region = "us-west-2"
        raw.projectDir = dir.path
        change(&raw)
        let resolver = SettingsResolver(environment: environment, currentDirectory: dir.path, executablePath: "")
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        return try await resolver.resolve(raw, command: "install", runner: runner)
    }

    @Test("an absent flag falls back to its variable, which accepts 1/true/yes/on; a given flag always wins", arguments: [
        (false, "1", true), (false, "TRUE", true), (false, "yes", true), (false, "on", true),
        (false, "0", false), (false, "no", false), (false, nil, false), (true, "0", true),
    ] as [(Bool, String?, Bool)])
    func environmentFlags(given: Bool, variable: String?, expected: Bool) async throws {
        for flag in SettingsResolver.Flag.allCases {
            let settings = try await resolve({ $0.flags[flag] = given }, environment: variable.map { [flag.rawValue: $0] } ?? [:])
            let value: Bool = switch flag {
            case .yes: settings.assumeYes
            case .dryRun: settings.dryRun
            case .reconcile: settings.reconcile
            case .skipBuild: settings.skipBuild
            case .skipRepo: settings.skipRepo
            case .skipSetup: settings.skipSetup
            case .rebuild: settings.rebuild
            }
            #expect(value == expected, "\(flag.rawValue)")
        }
    }

    @Test("a variable cannot turn on a flag the command does not have")
    func flagsOfOtherCommands() async throws {
        let settings = try await resolve({ $0.flags[.rebuild] = false }, environment: ["SLINKY_SKIP_BUILD": "1", "SLINKY_REBUILD": "1"])
        #expect(!settings.skipBuild)
        #expect(settings.rebuild)
    }

    @Test("--allow-cidr, then SLINKY_ALLOW_CIDR, only for a command that has the option, and always validated")
    func allowCIDR() async throws {
        let fromVariable = try await resolve({ $0.takesAllowCIDR = true }, environment: ["SLINKY_ALLOW_CIDR": "203.0.113.7/32"])
        #expect(fromVariable.allowCIDR == "203.0.113.7/32")
        let flagWins = try await resolve(
            { $0.takesAllowCIDR = true; $0.allowCIDR = "198.51.100.0/24" }, environment: ["SLINKY_ALLOW_CIDR": "203.0.113.7/32"])
        #expect(flagWins.allowCIDR == "198.51.100.0/24")
        let notTaken = try await resolve({ _ in }, environment: ["SLINKY_ALLOW_CIDR": "not-a-cidr"])
        #expect(notTaken.allowCIDR == nil)
        await #expect(throws: SlinkyError.self) {
            _ = try await resolve({ $0.takesAllowCIDR = true }, environment: ["SLINKY_ALLOW_CIDR": "0.0.0.0/0"])
        }
    }

    @Test("flags, then variables, then defaults for names and paths")
    func valuesAndDefaults() async throws {
        let defaults = try await resolve({ _ in })
        #expect(defaults.cluster == ClusterSettings.defaultCluster)
        #expect(defaults.tag == ClusterSettings.defaultTag)
        #expect(defaults.regionSource == "--region")
        let fromVariables = try await resolve({ $0.region = nil }, environment: ["SLINKY_TAG": "v2", "SLINKY_CLUSTER_NAME": "c2", "AWS_REGION": "eu-west-1"])
        #expect(fromVariables.tag == "v2")
        #expect(fromVariables.cluster == "c2")
        #expect(fromVariables.region == "eu-west-1")
        #expect(fromVariables.regionSource == "AWS_REGION")
        let flagWins = try await resolve({ $0.tag = "v3" }, environment: ["SLINKY_TAG": "v2"])
        #expect(flagWins.tag == "v3")
    }
}
