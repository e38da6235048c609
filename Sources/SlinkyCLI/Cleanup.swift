import ArgumentParser
import SlinkyCore

struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tear the cluster down in a safe order, sweeping load balancers and security groups Kubernetes left behind.")

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions
    @OptionGroup(title: "Run") var run: RunOptions

    func run() async throws {
        var raw = cluster.raw
        run.add(to: &raw)
        try await CommandSupport.runSession(raw, phase: .cleanup, cluster: cluster)
    }
}
