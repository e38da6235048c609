import Foundation

/// The services a command works with, built once from its settings.
public struct ClusterEnvironment: Sendable {
    public let settings: ClusterSettings
    public let runner: ProcessRunner
    public let aws: AWSCLI
    public let terraform: Terraform
    public let docker: Docker
    public let clusterAPI: any ClusterAPI
    /// The run's one STS call, shared with whatever asked for the account before the steps (shared state).
    public let identity: CallerIdentityLookup
    /// The run's ECR describe-images answers, shared by the repository and image checks.
    public let ecrImages: ECRImageLookup
    /// Tool versions that need not be asked again while the executable is unchanged.
    public let toolVersions: ToolVersionCache

    public init(
        settings: ClusterSettings, runner: ProcessRunner, clusterAPI: (any ClusterAPI)? = nil,
        identity: CallerIdentityLookup? = nil, ecrImages: ECRImageLookup? = nil
    ) {
        self.settings = settings
        self.runner = runner
        self.aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
        self.identity = identity ?? CallerIdentityLookup(aws: aws)
        self.ecrImages = ecrImages ?? ECRImageLookup(aws: aws)
        self.terraform = Terraform(
            runner: runner, stackDirectory: settings.stackDirectory, dataDirectory: settings.terraformDataDirectory,
            statePath: settings.terraformStatePath, blueprintPath: settings.blueprintPath, cluster: settings.cluster,
            region: settings.region, profile: settings.profile, remoteState: settings.remoteState,
            workspace: settings.terraformWorkspace)
        self.docker = Docker(runner: runner)
        let searchPath = runner.baseEnvironment["PATH"].flatMap { $0 } ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        self.toolVersions = ToolVersionCache(path: settings.toolVersionsPath, searchPath: searchPath)
        let journalPath = settings.journalPath, cluster = settings.cluster
        self.clusterAPI = clusterAPI ?? KubectlClusterAPI(
            runner: runner, aws: aws, cluster: cluster, kubeconfigPath: settings.kubeconfigPath,
            endpoint: { EKSEndpoint.recorded(in: (try? JournalStore.load(path: journalPath)) ?? nil, cluster: cluster) })
    }
}
