import Foundation

/// One helm release of the Kubernetes layer, exactly as terraform/kubernetes computed it.
public struct HelmRelease: Sendable, Equatable, Codable {
    public var name: String
    public var namespace: String
    /// Empty for a chart of this checkout (`chart` is then a path relative to terraform/kubernetes).
    public var repository: String
    public var chart: String
    public var version: String
    public var valuesYAML: String
    public var wait: Bool
    public var timeoutSeconds: Int

    public var isLocalChart: Bool { repository.isEmpty }

    /// Where helm finds the chart: `oci://…/chart`, or the chart name within an https repository.
    public var reference: String {
        repository.hasPrefix("oci://") ? "\(repository)/\(chart)" : chart
    }

    public var chartName: String { (chart as NSString).lastPathComponent }
}

/// A Secret whose values slinky generates on the cluster itself, so they are never in a values file, a state
/// file or a rendered manifest.
public struct GeneratedSecret: Sendable, Equatable, Codable {
    public var namespace: String
    public var name: String
    public var keys: [String]
}

/// Everything the Kubernetes layer puts on a cluster, in install order.
public struct DeploymentPlan: Sendable {
    public var releases: [HelmRelease]
    public var secrets: [GeneratedSecret]
    /// Objects slinky applies itself (server-side apply), as JSON.
    public var objects: [String]
    /// What stands in for values not known yet; empty for an installed cluster.
    public var placeholders: [String]
    public var kubernetesVersion: String
    public var slinkyVersion: String
    public var slurmNamespace: String
    /// The blueprint's deploy_kubernetes_layer: false stops after the AWS layer.
    public var deploy: Bool

    /// Reads `terraform output -json` of terraform/kubernetes.
    public static func parse(terraformOutput json: String) throws -> DeploymentPlan {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw SlinkyError.precondition(
                "terraform/kubernetes gave no outputs slinky can read", hint: "run `terraform -chdir=terraform/kubernetes validate` to see what is wrong with the layer")
        }
        func value(_ key: String) throws -> Any {
            guard let entry = root[key] as? [String: Any], let value = entry["value"] else {
                throw SlinkyError.precondition(
                    "terraform/kubernetes has no output \"\(key)\"", hint: "this checkout's terraform/kubernetes is not the one this slinky was built for")
            }
            return value
        }
        let releases = try (value("releases") as? [[String: Any]] ?? []).map { entry -> HelmRelease in
            guard let name = entry["name"] as? String, let namespace = entry["namespace"] as? String,
                let chart = entry["chart"] as? String, let version = entry["version"] as? String
            else {
                throw SlinkyError.precondition("terraform/kubernetes gave a release without name, namespace, chart or version", hint: "")
            }
            return HelmRelease(
                name: name, namespace: namespace, repository: entry["repository"] as? String ?? "", chart: chart,
                version: version, valuesYAML: entry["values_yaml"] as? String ?? "{}\n",
                wait: entry["wait"] as? Bool ?? true, timeoutSeconds: (entry["timeout"] as? NSNumber)?.intValue ?? 600)
        }
        let secrets = try (value("secrets") as? [[String: Any]] ?? []).compactMap { entry -> GeneratedSecret? in
            guard let name = entry["name"] as? String, let namespace = entry["namespace"] as? String else { return nil }
            return GeneratedSecret(namespace: namespace, name: name, keys: entry["keys"] as? [String] ?? [])
        }
        let objects = try (value("objects") as? [Any] ?? []).compactMap { object -> String? in
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        return DeploymentPlan(
            releases: releases, secrets: secrets, objects: objects,
            placeholders: try value("placeholders") as? [String] ?? [],
            kubernetesVersion: try value("kubernetes_version") as? String ?? "",
            slinkyVersion: try value("slinky_version") as? String ?? "",
            slurmNamespace: try value("slurm_namespace") as? String ?? "slurm",
            deploy: try value("deploy") as? Bool ?? true)
    }

    /// The AWS layer's `terraform output -json`, turned into the `aws` variable of terraform/kubernetes
    /// (sensitive and null outputs left out).
    public static func awsVariableFile(fromAWSOutputs json: String) -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], !root.isEmpty else { return nil }
        var aws: [String: Any] = [:]
        for (key, entry) in root {
            guard let entry = entry as? [String: Any], entry["sensitive"] as? Bool != true,
                let value = entry["value"], !(value is NSNull)
            else { continue }
            aws[key] = value
        }
        guard let data = try? JSONSerialization.data(withJSONObject: ["aws": aws], options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}
