import Foundation

/// helm (v3 or v4) invocations: fetching a pinned chart, rendering it, installing it.
public struct Helm: Sendable {
    public init() {}

    /// Downloads and unpacks exactly `release.version` into `directory` (`directory/<chart>/`).
    public func pull(_ release: HelmRelease, into directory: String) -> Invocation {
        var arguments = ["pull", release.reference, "--version", release.version, "--untar", "--untardir", directory]
        if !release.repository.hasPrefix("oci://") { arguments += ["--repo", release.repository] }
        return Invocation("helm", arguments)
    }

    /// The objects helm would create, CRDs included, for the cluster's Kubernetes version.
    public func template(_ release: HelmRelease, chartDirectory: String, valuesPath: String, kubernetesVersion: String) -> Invocation {
        var arguments = ["template", release.name, chartDirectory, "--namespace", release.namespace,
                         "--values", valuesPath, "--include-crds"]
        if !kubernetesVersion.isEmpty { arguments += ["--kube-version", kubernetesVersion] }
        return Invocation("helm", arguments)
    }

    /// Installs or upgrades from the same unpacked chart that was rendered, so the two cannot differ.
    public func upgradeInstall(_ release: HelmRelease, chartDirectory: String, valuesPath: String, kubeconfig: String) -> Invocation {
        var arguments = ["upgrade", "--install", release.name, chartDirectory, "--namespace", release.namespace,
                         "--create-namespace", "--values", valuesPath, "--kubeconfig", kubeconfig,
                         "--timeout", "\(release.timeoutSeconds)s"]
        if release.wait { arguments.append("--wait") }
        return Invocation("helm", arguments)
    }
}
