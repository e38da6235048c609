import Foundation

/// Where an EKS cluster's API server answers and the authority that signs its certificate: what a kubeconfig
/// needs, as terraform reports it (`cluster_endpoint`, `cluster_certificate_authority_data`).
public struct EKSEndpoint: Sendable, Equatable {
    public var cluster: String
    public var server: String
    public var certificateAuthorityData: String
    /// Names the entries like `aws eks update-kubeconfig` does (the cluster's ARN) when known.
    public var account: String?

    public init(cluster: String, server: String, certificateAuthorityData: String, account: String?) {
        self.cluster = cluster
        self.server = server
        self.certificateAuthorityData = certificateAuthorityData
        self.account = account
    }

    /// From the outputs of the install's full apply and identity steps; nil before the cluster exists.
    public static func recorded(in journal: Journal?, cluster: String) -> EKSEndpoint? {
        guard let outputs = journal?.install[StepID.terraformApply.rawValue]?.outputs,
            let server = outputs["cluster_endpoint"], !server.isEmpty,
            let authority = outputs["cluster_certificate_authority_data"], !authority.isEmpty
        else { return nil }
        let account = journal?.install[StepID.identity.rawValue]?.outputs["account"] ?? journal?.account
        return EKSEndpoint(
            cluster: cluster, server: server, certificateAuthorityData: authority,
            account: account?.isEmpty == false ? account : nil)
    }

    /// The kubeconfig `aws eks update-kubeconfig` writes for this cluster: kubectl gets a token from
    /// `aws eks get-token` (CLI v1 and v2 both have it) with the same region and profile.
    public func kubeconfig(region: String, profile: String?) -> String {
        let name = account.map { "arn:aws:eks:\(region):\($0):cluster/\(cluster)" } ?? cluster
        // JSON strings are YAML strings, so nothing in a value can break the document.
        func quoted(_ value: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var lines = [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: \(quoted(name))",
            "  cluster:",
            "    server: \(quoted(server))",
            "    certificate-authority-data: \(quoted(certificateAuthorityData))",
            "contexts:",
            "- name: \(quoted(name))",
            "  context:",
            "    cluster: \(quoted(name))",
            "    user: \(quoted(name))",
            "current-context: \(quoted(name))",
            "preferences: {}",
            "users:",
            "- name: \(quoted(name))",
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1beta1",
            "      command: aws",
            "      args: [\"--region\", \(quoted(region)), \"eks\", \"get-token\", \"--cluster-name\", \(quoted(cluster)), \"--output\", \"json\"]",
        ]
        if let profile, !profile.isEmpty {
            lines += ["      env:", "      - name: AWS_PROFILE", "        value: \(quoted(profile))"]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
