import Foundation

/// One result of `slinky doctor`: what was found and what to do about it.
public struct DoctorFinding: Sendable, Codable, Equatable {
    public enum Level: String, Sendable, Codable, Comparable {
        case ok, info, warning, error
        var rank: Int { [.ok: 0, .info: 1, .warning: 2, .error: 3][self]! }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// Which check, e.g. `gpu-offerings`, `vcpu-quota`.
    public var check: String
    public var level: Level
    /// False when the check could not be made (the sandbox does not serve the API, no credentials): the
    /// finding then says why, and the level is never an error, since nothing was found wrong.
    public var checked: Bool
    public var finding: String
    public var fix: String

    public init(_ check: String, _ level: Level, _ finding: String, fix: String = "", checked: Bool = true) {
        self.check = check
        self.level = level
        self.checked = checked
        self.finding = finding
        self.fix = fix
    }

    public static func notChecked(_ check: String, _ why: String, fix: String = "") -> DoctorFinding {
        DoctorFinding(check, .info, "not checked: \(why)", fix: fix, checked: false)
    }
}

/// What the stack will ask AWS for, read from the blueprint with terraform's own defaults behind it.
public struct StackDemand: Sendable, Equatable {
    public var region: String?
    public var gpuInstanceTypes: [String]
    public var systemInstanceTypes: [String]
    public var gpuNodesMax: Int
    public var systemNodesMax: Int
    public var eksVersion: String
    public var singleNATGateway: Bool
    public var deploysKubernetesLayer: Bool
    /// The VPC module spreads over this many zones (terraform/aws/modules/vpc, `az_count`).
    public var zoneCount = 3

    /// The blueprint's values; a value it does not set comes from the variable's default in terraform/aws,
    /// so the two cannot drift apart.
    public static func load(blueprintPath: String, stackDirectory: String) throws -> StackDemand {
        let document = try BlueprintFile.load(blueprintPath)
        let defaults = TerraformDefaults(stackDirectory: stackDirectory)
        func raw(_ name: String) -> String? {
            document.attribute(name)?.rawValue.trimmingCharacters(in: .whitespaces) ?? defaults.value(name)
        }
        return StackDemand(
            region: document.string("region"),
            gpuInstanceTypes: stringList(raw("gpu_instance_types")) ?? ["g5.8xlarge"],
            systemInstanceTypes: stringList(raw("system_node_instance_types")) ?? ["m5.xlarge"],
            gpuNodesMax: raw("gpu_nodes_max").flatMap { Int($0) } ?? 8,
            systemNodesMax: raw("system_node_max_size").flatMap { Int($0) } ?? 4,
            eksVersion: raw("eks_cluster_version").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "1.35",
            singleNATGateway: raw("single_nat_gateway") != "false",
            deploysKubernetesLayer: raw("deploy_kubernetes_layer") != "false")
    }

    /// `["g5.8xlarge", "g5.12xlarge"]` → its strings.
    static func stringList(_ raw: String?) -> [String]? {
        guard let raw, raw.hasPrefix("[") else { return nil }
        let regex = try! NSRegularExpression(pattern: #""([^"]*)""#)
        let values = regex.matches(in: raw, range: NSRange(raw.startIndex..., in: raw)).compactMap {
            Range($0.range(at: 1), in: raw).map { String(raw[$0]) }
        }
        return values.isEmpty ? nil : values
    }
}

/// `default = …` of each variable in terraform/aws/*.tf, single-line values only (all the doctor reads).
struct TerraformDefaults {
    var values: [String: String] = [:]

    init(stackDirectory: String) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: stackDirectory))?.filter { $0.hasSuffix(".tf") } ?? []
        let regex = try! NSRegularExpression(pattern: #"variable\s+"([A-Za-z0-9_]+)"\s*\{(?:(?!\nvariable)[\s\S])*?\n\s*default\s*=\s*([^\n]+)"#)
        for file in files {
            guard let text = try? String(contentsOfFile: "\(stackDirectory)/\(file)", encoding: .utf8) else { continue }
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let name = Range(match.range(at: 1), in: text), let value = Range(match.range(at: 2), in: text) else { continue }
                values[String(text[name])] = String(text[value]).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    func value(_ name: String) -> String? { values[name] }
}
