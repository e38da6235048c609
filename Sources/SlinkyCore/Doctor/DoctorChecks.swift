import Foundation
import Synchronization

extension Doctor {
    // MARK: tools

    func tools(_ demand: StackDemand) async -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        for tool in ToolCatalog.all {
            let needed: DoctorFinding.Level = switch tool.name {
            case "aws", "terraform": .error
            case "helm": demand.deploysKubernetesLayer ? .error : .info
            // The image build needs docker unless --skip-build or --skip-setup.
            case "docker": .warning
            default: .warning
            }
            let why = switch tool.name {
            case "docker": " (install builds the image with it, unless --skip-build)"
            case "helm": demand.deploysKubernetesLayer ? " (install deploys the Kubernetes layer with it)" : " (this blueprint does not deploy the Kubernetes layer)"
            case "kubectl": " (the login hostname and cleanup's release of load balancers need it)"
            default: ""
            }
            do {
                switch try await ToolCatalog.probe(tool, runner: runner, log: log) {
                case .working(let version):
                    findings.append(DoctorFinding("tools", .ok, "\(tool.name): \(version)"))
                case .missing:
                    findings.append(DoctorFinding("tools", needed, "\(tool.name) is not installed or not on PATH\(why)", fix: tool.installHint))
                case .failing(let failure):
                    findings.append(DoctorFinding(
                        "tools", needed == .info ? .warning : .error, "\(tool.name) is installed but failing: \(failure.summary)",
                        fix: failure.hint ?? tool.installHint))
                }
            } catch {
                findings.append(.notChecked("tools", "\(tool.name): \(error)"))
            }
        }
        return findings
    }

    // MARK: credentials and clock

    /// One `sts get-caller-identity --debug`: who the credentials are, and the Date header of AWS's answer.
    func identityAndClock(clockOnly: Bool = false) async -> [DoctorFinding] {
        let headers = DateHeaderSink()
        let invocation = aws.invocation(["sts", "get-caller-identity", "--debug"])
        // Not logged: debug output carries request signatures.
        log?.command(invocation.commandLine + "   # debug output not kept")
        let before = Date()
        let result: ProcessResult
        do {
            result = try await runner.run(invocation, sink: headers)
        } catch {
            return [.notChecked("clock", "\(error)")]
        }
        let after = Date()
        var findings: [DoctorFinding] = []
        if result.succeeded, let object = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] {
            if !clockOnly {
                findings.append(DoctorFinding(
                    "credentials", .ok, "account \(object["Account"] as? String ?? "?") as \(object["Arn"] as? String ?? "?") (profile \(settings.profile ?? "default"), region \(settings.region) from \(settings.regionSource))"))
            }
        } else if !clockOnly {
            let failure = AWSFailure(invocation: invocation, result: result, logPath: nil)
            let error = failure.asError
            findings.append(DoctorFinding("credentials", .error, error.message, fix: error.hint ?? "check the credentials slinky runs with"))
        }
        guard let serverDate = headers.lastDate else {
            findings.append(.notChecked("clock", result.succeeded ? "AWS's answer carried no Date header" : "no answer from AWS STS"))
            return findings
        }
        // The header has whole seconds and the call took a while: only a date outside the call's window is skew.
        let skew: TimeInterval
        if serverDate < before.addingTimeInterval(-1) { skew = before.timeIntervalSince(serverDate) }
        else if serverDate > after.addingTimeInterval(1) { skew = serverDate.timeIntervalSince(after) }
        else { skew = 0 }
        let seconds = Int(skew.rounded())
        let endpoint = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"].map { " (endpoint \($0))" } ?? ""
        if seconds >= 300 {
            findings.append(DoctorFinding(
                "clock", .error, "this machine's clock is \(seconds) s off AWS's\(endpoint); AWS rejects signed requests more than 5 minutes off",
                fix: "synchronise the clock (timedatectl set-ntp true, or chrony/ntpd)"))
        } else if seconds >= 30 {
            findings.append(DoctorFinding("clock", .warning, "this machine's clock is \(seconds) s off AWS's\(endpoint)", fix: "synchronise the clock (timedatectl set-ntp true)"))
        } else {
            findings.append(DoctorFinding("clock", .ok, "clock within \(max(seconds, 1)) s of AWS's\(endpoint)"))
        }
        return findings
    }

    // MARK: region

    func region(_ demand: StackDemand) -> [DoctorFinding] {
        guard let blueprintRegion = demand.region, !blueprintRegion.isEmpty else {
            return [DoctorFinding("region", .ok, "working in \(settings.region) (from \(settings.regionSource)); the blueprint names no region")]
        }
        guard blueprintRegion == settings.region else {
            return [DoctorFinding(
                "region", .error,
                "the blueprint sets region = \"\(blueprintRegion)\" but slinky would work in \(settings.region) (from \(settings.regionSource))",
                fix: "pass --region \(blueprintRegion), or change region in \(settings.blueprintPath)")]
        }
        return [DoctorFinding("region", .ok, "blueprint and slinky agree on \(settings.region) (from \(settings.regionSource))")]
    }

    // MARK: zones and instance type offerings

    /// The zones the VPC module will use: the region's first `az_count` available zones that need no opt-in.
    func vpcZones(_ demand: StackDemand) async -> (zones: [String], problem: DoctorFinding?) {
        switch await ask(["ec2", "describe-availability-zones", "--filters", "Name=opt-in-status,Values=opt-in-not-required", "Name=state,Values=available"]) {
        case .unavailable(let why):
            return ([], .notChecked("gpu-offerings", why))
        case .json(let object):
            let names = ((object["AvailabilityZones"] as? [[String: Any]]) ?? []).compactMap { $0["ZoneName"] as? String }.sorted()
            guard names.count >= 2 else {
                return ([], DoctorFinding(
                    "zones", .error, "\(settings.region) has \(names.count) available zone(s) without opt-in; the VPC needs at least 2",
                    fix: "choose another region"))
            }
            return (Array(names.prefix(demand.zoneCount)), nil)
        }
    }

    func zonesAndOfferings(_ demand: StackDemand) async -> [DoctorFinding] {
        let (zones, problem) = await vpcZones(demand)
        if let problem { return [problem] }
        let types = Array(Set(demand.gpuInstanceTypes + demand.systemInstanceTypes)).sorted()
        let answer = await ask([
            "ec2", "describe-instance-type-offerings", "--location-type", "availability-zone",
            "--filters", "Name=instance-type,Values=\(types.joined(separator: ","))", "Name=location,Values=\(zones.joined(separator: ","))",
        ])
        guard case .json(let object) = answer else {
            if case .unavailable(let why) = answer { return [.notChecked("gpu-offerings", why)] }
            return []
        }
        var offered: [String: Set<String>] = [:]
        for offering in (object["InstanceTypeOfferings"] as? [[String: Any]]) ?? [] {
            if let type = offering["InstanceType"] as? String, let zone = offering["Location"] as? String { offered[type, default: []].insert(zone) }
        }
        let zoneList = zones.joined(separator: ", ")
        var findings: [DoctorFinding] = []
        for (check, pool, list, variable) in [
            ("gpu-offerings", "GPU", demand.gpuInstanceTypes, "gpu_instance_types"),
            ("system-offerings", "system", demand.systemInstanceTypes, "system_node_instance_types"),
        ] {
            let usable = list.filter { !(offered[$0] ?? []).isEmpty }
            for type in list {
                let inZones = offered[type] ?? []
                let missing = zones.filter { !inZones.contains($0) }
                if inZones.isEmpty {
                    // One unusable type among usable ones only narrows the choice; none usable stops the pool.
                    findings.append(DoctorFinding(
                        check, usable.isEmpty ? .error : .warning,
                        "\(pool) instance type \(type) is not offered in any of the zones the VPC will use (\(zoneList)) in \(settings.region)",
                        fix: "set \(variable) to types offered there (`aws ec2 describe-instance-type-offerings --location-type availability-zone --region \(settings.region)`), or use another region"))
                } else if !missing.isEmpty {
                    findings.append(DoctorFinding(
                        check, .warning, "\(pool) instance type \(type) is offered in \(inZones.sorted().joined(separator: ", ")) but not in \(missing.joined(separator: ", "))",
                        fix: "nodes of that type can only start in the zones that offer it; add another type to \(variable) for the others"))
                } else {
                    findings.append(DoctorFinding(check, .ok, "\(pool) instance type \(type) is offered in every VPC zone (\(zoneList))"))
                }
            }
        }
        return findings
    }

    // MARK: EKS version

    func eksVersion(_ demand: StackDemand) async -> [DoctorFinding] {
        switch await ask(["eks", "describe-cluster-versions"]) {
        case .unavailable(let why):
            let reason = why.contains("Invalid choice") || why.contains("invalid choice")
                ? "this aws CLI has no `eks describe-cluster-versions` (upgrade it to check)" : why
            return [.notChecked("eks-version", "Kubernetes \(demand.eksVersion): \(reason)")]
        case .json(let object):
            let versions = (object["clusterVersions"] as? [[String: Any]]) ?? []
            let names = versions.compactMap { $0["clusterVersion"] as? String }
            guard let match = versions.first(where: { $0["clusterVersion"] as? String == demand.eksVersion }) else {
                return [DoctorFinding(
                    "eks-version", .error, "EKS in \(settings.region) does not offer Kubernetes \(demand.eksVersion) (it offers \(names.joined(separator: ", ")))",
                    fix: "set eks_cluster_version in the blueprint to one of those")]
            }
            let status = (match["versionStatus"] as? String ?? match["status"] as? String ?? "").uppercased()
            if status.contains("EXTENDED") {
                return [DoctorFinding("eks-version", .warning, "Kubernetes \(demand.eksVersion) is in extended support in EKS (charged extra)", fix: "choose a version in standard support: \(names.prefix(3).joined(separator: ", "))")]
            }
            return [DoctorFinding("eks-version", .ok, "EKS offers Kubernetes \(demand.eksVersion)\(status.isEmpty ? "" : " (\(status.lowercased()))")")]
        }
    }

    // MARK: disk

    /// Free space where the image is built. The Deep Learning Container base is ~20 GB unpacked and the
    /// slurmd image on top about as much again, with layers held twice while building.
    func disk(buildsImage: Bool) async -> [DoctorFinding] {
        let dockerfile = (try? String(contentsOfFile: settings.dockerfilePath, encoding: .utf8)) ?? ""
        let buildsDLC = dockerfile.contains("763104351884.dkr.ecr") || dockerfile.contains("pytorch-training")
        let (errorBelow, warnBelow): (Double, Double) = buildsDLC ? (30, 60) : (2, 5)
        var path = settings.stateDirectory
        var what = "the state folder"
        let info = Invocation("docker", ["info", "--format", "{{.DockerRootDir}}"])
        if let result = try? await runner.run(info, sink: log), result.succeeded {
            let root = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            // A remote daemon's folder is not on this machine.
            if !root.isEmpty, fileKind(root) == .directory, ProcessInfo.processInfo.environment["DOCKER_HOST"].map({ $0.hasPrefix("unix://") }) ?? true {
                path = root
                what = "Docker's data root"
            }
        }
        while fileKind(path) == .missing, path != "/" { path = (path as NSString).deletingLastPathComponent }
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return [.notChecked("disk", "cannot read free space of \(path)")] }
        let freeGB = Double(stats.f_bavail) * Double(stats.f_frsize) / 1_000_000_000
        let shown = String(format: "%.0f GB", freeGB)
        let image = buildsDLC ? "the Deep Learning Container image build" : "the image build (\((settings.dockerfilePath as NSString).lastPathComponent))"
        if freeGB < errorBelow {
            return [DoctorFinding("disk", .error, "\(shown) free in \(what) (\(path)); \(image) needs about \(Int(warnBelow)) GB",
                                  fix: "free space (`docker system prune`), move Docker's data-root to a bigger disk, or pass --skip-build with an image already in ECR")]
        }
        if freeGB < warnBelow {
            return [DoctorFinding("disk", .warning, "\(shown) free in \(what) (\(path)); \(image) may need about \(Int(warnBelow)) GB", fix: "free space with `docker system prune`")]
        }
        return [DoctorFinding("disk", .ok, "\(shown) free in \(what) (\(path)) for \(image)")]
    }
}

/// Keeps the last `Date` response header from `aws --debug` output (CLI v1 and v2 print the same line).
final class DateHeaderSink: OutputLineSink, Sendable {
    private let date = Mutex<Date?>(nil)
    private static let pattern = try! NSRegularExpression(pattern: #"'Date': '([^']+)'"#)

    func line(_ text: String, isError: Bool) {
        guard text.contains("'Date'"),
            let match = Self.pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text)
        else { return }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let parsed = formatter.date(from: String(text[range])) { date.withLock { $0 = parsed } }
    }

    var lastDate: Date? { date.withLock { $0 } }
}
