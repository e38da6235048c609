import Foundation

/// Turns flags, environment variables and defaults into settings, in one documented order per value.
public struct SettingsResolver: Sendable {
    public struct Raw: Sendable {
        public var name: String?
        public var region: String?
        public var profile: String?
        public var blueprint: String?
        public var dockerfile: String?
        public var repoName: String?
        public var tag: String?
        public var sshKey: String?
        public var stateDir: String?
        public var projectDir: String?
        public var stateBucket: String?
        /// The on/off flags the command has, as given on its command line; a flag it lacks stays out, so its
        /// environment variable cannot turn it on.
        public var flags: [Flag: Bool] = [:]
        /// `--allow-cidr`; read, with its variable, only when the command has the option.
        public var allowCIDR: String?
        public var takesAllowCIDR = false
        public var charts: String?

        public init() {}
    }

    /// The on/off flags, each with the variable that turns it on when the flag is absent.
    public enum Flag: String, Sendable, CaseIterable {
        case yes = "SLINKY_YES"
        case dryRun = "SLINKY_DRY_RUN"
        case reconcile = "SLINKY_RECONCILE"
        case skipBuild = "SLINKY_SKIP_BUILD"
        case skipRepo = "SLINKY_SKIP_REPO"
        case skipSetup = "SLINKY_SKIP_SETUP"
        case rebuild = "SLINKY_REBUILD"
    }

    public let environment: [String: String]
    public let currentDirectory: String
    public let executablePath: String

    public init(environment: [String: String], currentDirectory: String, executablePath: String) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executablePath = executablePath
    }

    func value(_ flag: String?, _ variables: String...) -> (String, String)? {
        if let flag, !flag.isEmpty { return (flag, "flag") }
        for variable in variables {
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
        }
        return nil
    }

    /// A flag given, else its variable set to 1, true, yes or on.
    func isOn(_ flag: Flag, _ raw: Raw) -> Bool {
        guard let given = raw.flags[flag] else { return false }
        if given { return true }
        guard let text = environment[flag.rawValue]?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(text)
    }

    /// `--region`, AWS_REGION, AWS_DEFAULT_REGION, the profile's configured region, then us-west-2.
    public func region(_ raw: Raw, profile: String?, configuredRegion: () async -> String?) async -> (String, String) {
        if let (value, source) = value(raw.region, "AWS_REGION", "AWS_DEFAULT_REGION") {
            return (value, source == "flag" ? "--region" : source)
        }
        if let configured = await configuredRegion(), !configured.isEmpty {
            return (configured, "profile \(profile ?? "default")")
        }
        return (ClusterSettings.defaultRegion, "default")
    }

    public func resolve(_ raw: Raw, command: String, runner: ProcessRunner) async throws -> ClusterSettings {
        let project = try ProjectLocator.locate(
            explicit: value(raw.projectDir, "SLINKY_PROJECT_DIR")?.0, currentDirectory: currentDirectory,
            executablePath: executablePath)
        let profile = value(raw.profile, "AWS_PROFILE")?.0
        let explicitBlueprint = value(raw.blueprint, "SLINKY_BLUEPRINT")
        let blueprintPath = (explicitBlueprint?.0 ?? "\(project)/blueprints/blueprint.tfvars")
            .absolutePath(relativeTo: currentDirectory, home: environment["HOME"])
        // The blueprint's own `name` is what a user who edited it expects; --name still wins, so one
        // blueprint can serve several clusters.
        let blueprintName = (try? TfvarsDocument(text: BlueprintFile.read(blueprintPath)))?.string("name")
        let cluster = value(raw.name, "SLINKY_CLUSTER_NAME")?.0
            ?? blueprintName.flatMap { $0.isEmpty ? nil : $0 } ?? ClusterSettings.defaultCluster
        try NameRules.validateClusterName(cluster)
        let (region, regionSource) = await region(raw, profile: profile) {
            var arguments = ["configure", "get", "region"]
            if let profile { arguments += ["--profile", profile] }
            guard let result = try? await runner.run(Invocation("aws", arguments)), result.succeeded else { return nil }
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try AWSRegions.validate(region, source: regionSource)
        let repository = value(raw.repoName, "SLINKY_REPO_NAME")?.0 ?? ClusterSettings.defaultRepositoryName
        try NameRules.validateRepositoryName(repository)
        let tag = value(raw.tag, "SLINKY_TAG")?.0 ?? ClusterSettings.defaultTag
        try NameRules.validateTag(tag)
        let stateBase = (value(raw.stateDir, "SLINKY_STATE_DIR")?.0 ?? "\(project)/.slinky").absolutePath(relativeTo: currentDirectory, home: environment["HOME"])
        var settings = ClusterSettings(
            command: command, cluster: cluster, region: region, regionSource: regionSource, profile: profile,
            projectDirectory: project, stateDirectory: "\(stateBase)/\(cluster)",
            blueprintPath: blueprintPath,
            dockerfilePath: (value(raw.dockerfile, "SLINKY_DOCKERFILE")?.0 ?? "\(project)/dockerfiles/dlc-slurmd.Dockerfile")
                .absolutePath(relativeTo: currentDirectory, home: environment["HOME"]),
            repositoryName: repository, tag: tag,
            sshKeyPath: (value(raw.sshKey, "SLINKY_SSH_KEY")?.0 ?? ClusterSettings.defaultSSHKey).absolutePath(relativeTo: currentDirectory, home: environment["HOME"]))
        settings.blueprintExplicit = explicitBlueprint != nil
        settings.assumeYes = isOn(.yes, raw)
        settings.dryRun = isOn(.dryRun, raw)
        settings.reconcile = isOn(.reconcile, raw)
        settings.skipBuild = isOn(.skipBuild, raw)
        settings.skipRepo = isOn(.skipRepo, raw)
        settings.skipSetup = isOn(.skipSetup, raw)
        settings.rebuild = isOn(.rebuild, raw)
        if raw.takesAllowCIDR, let cidr = raw.allowCIDR ?? value(nil, "SLINKY_ALLOW_CIDR")?.0 {
            try LoginCIDR.validate(cidr)
            settings.allowCIDR = cidr
        }
        settings.chartsDirectory = value(raw.charts, "SLINKY_CHARTS_DIR")?.0.absolutePath(relativeTo: currentDirectory, home: environment["HOME"])
        if let (bucket, source) = value(raw.stateBucket, "SLINKY_STATE_BUCKET") {
            try NameRules.validateBucketName(bucket)
            settings.stateBucket = bucket
            settings.stateBucketSource = source == "flag" ? "--state-bucket" : source
        } else if let marker = BackendMarker.read(stateDirectory: settings.stateDirectory) {
            settings.stateBucket = marker.bucket
            settings.stateBucketSource = "recorded in \(BackendMarker.path(stateDirectory: settings.stateDirectory))"
        }
        return settings
    }
}
