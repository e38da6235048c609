import Foundation

/// The account's room for the stack: vCPU quotas of the node pools' instance families, and the VPC,
/// Elastic IP and load balancer quotas against what the stack creates.
extension Doctor {
    // MARK: vCPU quotas

    /// Running On-Demand vCPU quota codes by instance family (Service Quotas, service ec2).
    static func vcpuQuotaCode(_ instanceType: String) -> (code: String, name: String)? {
        let family = instanceType.prefix { $0.isLetter }.lowercased()
        switch family {
        case "g", "vt": return ("L-DB2E81BA", "Running On-Demand G and VT instances")
        case "p": return ("L-417A185B", "Running On-Demand P instances")
        case "inf": return ("L-1945791B", "Running On-Demand Inf instances")
        case "trn": return ("L-2C3B7624", "Running On-Demand Trn instances")
        case "dl": return ("L-6E869C2A", "Running On-Demand DL instances")
        case "x": return ("L-7295265B", "Running On-Demand X instances")
        case "f": return ("L-74FC7D96", "Running On-Demand F instances")
        default:
            guard let first = family.first, "acdhimrtz".contains(first) else { return nil }
            return ("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances")
        }
    }

    struct InstanceShape { var vcpus: Int; var gpus: Int }

    func vcpuQuotas(_ demand: StackDemand) async -> [DoctorFinding] {
        let types = Array(Set(demand.gpuInstanceTypes + demand.systemInstanceTypes)).sorted()
        var shapes: [String: InstanceShape] = [:]
        switch await ask(["ec2", "describe-instance-types", "--instance-types"] + types) {
        case .unavailable(let why):
            return [.notChecked("vcpu-quota", why.contains("InvalidInstanceType") ? "an instance type does not exist: \(why)" : why)]
        case .json(let object):
            for item in (object["InstanceTypes"] as? [[String: Any]]) ?? [] {
                guard let type = item["InstanceType"] as? String, let vcpus = (item["VCpuInfo"] as? [String: Any])?["DefaultVCpus"] as? Int else { continue }
                let gpus = ((item["GpuInfo"] as? [String: Any])?["Gpus"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["Count"] as? Int ?? 0) }
                shapes[type] = InstanceShape(vcpus: vcpus, gpus: gpus)
            }
        }
        // What each quota could be asked for at the pools' limits: the GPU pool up to gpu_nodes_max GPUs of
        // its hungriest type (vCPUs per GPU), the system node group up to its max size of its largest type.
        struct Need { var name: String; var most = 0; var least = Int.max; var pools: [String] = [] }
        var needs: [String: Need] = [:]
        for type in demand.gpuInstanceTypes {
            guard let shape = shapes[type], let quota = Self.vcpuQuotaCode(type) else { continue }
            let nodes = shape.gpus > 0 ? Int((Double(demand.gpuNodesMax) / Double(shape.gpus)).rounded(.up)) : demand.gpuNodesMax
            var need = needs[quota.code] ?? Need(name: quota.name)
            need.most = max(need.most, nodes * shape.vcpus)
            need.least = min(need.least, shape.vcpus)
            need.pools.append("GPU pool: up to \(nodes) × \(type) (\(shape.vcpus) vCPUs, \(shape.gpus) GPU) for gpu_nodes_max = \(demand.gpuNodesMax)")
            needs[quota.code] = need
        }
        if let largest = demand.systemInstanceTypes.compactMap({ type in shapes[type].map { (type, $0) } }).max(by: { $0.1.vcpus < $1.1.vcpus }),
            let quota = Self.vcpuQuotaCode(largest.0)
        {
            var need = needs[quota.code] ?? Need(name: quota.name)
            let system = demand.systemNodesMax * largest.1.vcpus
            need.most += system
            need.least = min(need.least, largest.1.vcpus)
            need.pools.append("system nodes: up to \(demand.systemNodesMax) × \(largest.0) (\(largest.1.vcpus) vCPUs)")
            needs[quota.code] = need
        }
        var findings: [DoctorFinding] = []
        for (code, need) in needs.sorted(by: { $0.key < $1.key }) {
            switch await ask(["service-quotas", "get-service-quota", "--service-code", "ec2", "--quota-code", code]) {
            case .unavailable(let why):
                findings.append(.notChecked("vcpu-quota", "\(need.name) (\(code)): \(why)", fix: "compare it yourself: `aws service-quotas get-service-quota --service-code ec2 --quota-code \(code)`"))
            case .json(let object):
                let value = Int(((object["Quota"] as? [String: Any])?["Value"] as? Double) ?? -1)
                let uses = need.pools.joined(separator: "; ")
                let fix = "request an increase: `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code \(code) --desired-value \(need.most) --region \(settings.region)`, or lower gpu_nodes_max"
                if value < need.least {
                    findings.append(DoctorFinding(
                        "vcpu-quota", .error, "\(need.name) quota is \(value) vCPUs in \(settings.region): not one node fits (\(uses))", fix: fix))
                } else if value < need.most {
                    findings.append(DoctorFinding(
                        "vcpu-quota", .warning, "\(need.name) quota is \(value) vCPUs; the node pools could use \(need.most) (\(uses)); instances already running count against it too", fix: fix))
                } else {
                    findings.append(DoctorFinding("vcpu-quota", .ok, "\(need.name) quota is \(value) vCPUs, enough for the \(need.most) the pools could use, less what already runs"))
                }
            }
        }
        return findings
    }

    // MARK: VPC, Elastic IP and load balancer quotas

    func networkQuotas(_ demand: StackDemand, alreadyCreated: Bool) async -> [DoctorFinding] {
        let natCount = demand.singleNATGateway ? 1 : demand.zoneCount
        let items: [(check: String, what: String, service: String, code: String, needed: Int, usage: [String], key: String, filter: ([String: Any]) -> Bool)] = [
            ("vpc-quota", "VPCs", "vpc", "L-F678F1CE", 1, ["ec2", "describe-vpcs"], "Vpcs", { _ in true }),
            ("eip-quota", "Elastic IPs", "ec2", "L-0263D0A3", natCount, ["ec2", "describe-addresses"], "Addresses", { _ in true }),
            ("nlb-quota", "Network Load Balancers", "elasticloadbalancing", "L-69A177A2", demand.deploysKubernetesLayer ? 1 : 0,
             ["elbv2", "describe-load-balancers"], "LoadBalancers", { $0["Type"] as? String == "network" }),
        ]
        var findings: [DoctorFinding] = []
        for item in items {
            let needed = alreadyCreated ? 0 : item.needed
            let creates = alreadyCreated ? "the cluster's VPC exists already" : "the stack creates \(needed)"
            // The quota first: where it cannot be read, counting what is in use would be a wasted call.
            let value: Int
            switch await ask(["service-quotas", "get-service-quota", "--service-code", item.service, "--quota-code", item.code]) {
            case .unavailable(let why):
                findings.append(.notChecked(item.check, "\(item.what) quota (\(item.code)): \(why); \(creates)"))
                continue
            case .json(let object):
                value = Int(((object["Quota"] as? [String: Any])?["Value"] as? Double) ?? -1)
            }
            guard case .json(let listing) = await ask(item.usage) else {
                findings.append(.notChecked(item.check, "\(item.what): quota \(value), but current usage could not be read; \(creates)"))
                continue
            }
            let usage = ((listing[item.key] as? [[String: Any]]) ?? []).filter(item.filter).count
            if usage + needed > value {
                // An emulator (the sandbox's moto) reports default quotas it never enforces.
                let emulated = Self.customEndpoint.map { " (endpoint \($0) does not enforce quotas, so this is only a warning there)" }
                findings.append(DoctorFinding(
                    item.check, emulated == nil ? .error : .warning, "\(item.what): \(usage) of \(value) in use in \(settings.region) and \(creates)\(emulated ?? "")",
                    fix: "free some, or request an increase: `aws service-quotas request-service-quota-increase --service-code \(item.service) --quota-code \(item.code) --desired-value \(usage + needed) --region \(settings.region)`"))
            } else {
                findings.append(DoctorFinding(item.check, .ok, "\(item.what): \(usage) of \(value) in use; \(creates)"))
            }
        }
        return findings
    }
}
