import Foundation

/// `slinky doctor`: read-only checks that find, in seconds, what would stop an install 15-30 minutes in.
///
/// Every AWS call here is a describe, list or get; nothing is created. The same checks run in install's
/// preflight (`Doctor.Scope.installPreflight`), so there is one implementation of each.
public struct Doctor: Sendable {
    public enum Scope: Sendable {
        /// Everything, for `slinky doctor`.
        case all
        /// What install's preflight adds to its own tool and input checks: the account's capacity and
        /// clock. Tools, credentials and the region are checked by preflight and identity themselves.
        case installPreflight(buildsImage: Bool)
    }

    let settings: ClusterSettings
    let runner: ProcessRunner
    let aws: AWSCLI
    let log: StepLog?

    public init(settings: ClusterSettings, runner: ProcessRunner, log: StepLog? = nil) {
        self.settings = settings
        self.runner = runner
        self.aws = AWSCLI(runner: runner, region: settings.region, profile: settings.profile)
        self.log = log
    }

    /// Runs the checks of `scope` at the same time; findings come back in a fixed order.
    public func run(_ scope: Scope, journal: Journal?) async -> [DoctorFinding] {
        let demand: StackDemand
        do {
            demand = try StackDemand.load(blueprintPath: settings.blueprintPath, stackDirectory: settings.stackDirectory)
        } catch let error as SlinkyError {
            return [DoctorFinding("blueprint", .error, error.message, fix: error.hint ?? "")]
        } catch {
            return [DoctorFinding("blueprint", .error, "\(error)")]
        }
        // A cluster whose VPC exists already holds what the stack creates; counting it again would be wrong.
        let vpcCreated = journal?.install[StepID.terraformApply(target: "module.vpc").rawValue]?.state == .succeeded
        var checks: [@Sendable () async -> [DoctorFinding]] = []
        switch scope {
        case .all:
            checks = [
                { await tools(demand) }, { await identityAndClock() }, { region(demand) },
                { await zonesAndOfferings(demand) }, { await vcpuQuotas(demand) },
                { await networkQuotas(demand, alreadyCreated: vpcCreated) }, { await eksVersion(demand) },
                { await disk(buildsImage: true) },
            ]
        case .installPreflight(let buildsImage):
            checks = [
                { await zonesAndOfferings(demand) }, { await vcpuQuotas(demand) },
                { await networkQuotas(demand, alreadyCreated: vpcCreated) }, { await eksVersion(demand) },
                { await identityAndClock(clockOnly: true) },
            ]
            if buildsImage { checks.append({ await disk(buildsImage: true) }) }
        }
        return await withTaskGroup(of: (Int, [DoctorFinding]).self) { group in
            for (index, check) in checks.enumerated() { group.addTask { (index, await check()) } }
            var results: [(Int, [DoctorFinding])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    // MARK: AWS calls

    /// An AWS answer, or why there is none, in words for a "not checked".
    enum Answer {
        case json([String: Any])
        case unavailable(String)
    }

    func ask(_ arguments: [String]) async -> Answer {
        do {
            switch try await aws.call(arguments, log: log) {
            case .success(let text):
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                    return .unavailable("`aws \(arguments.prefix(2).joined(separator: " "))` did not answer with JSON")
                }
                return .json(object)
            case .failure(let failure):
                let tail = failure.result.standardErrorTail
                let line = tail.last { $0.contains("An error occurred (") } ?? tail.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                    ?? failure.result.exitDescription
                if failure.isCredentialProblem { return .unavailable("no usable AWS credentials (\(line.trimmingCharacters(in: .whitespaces)))") }
                return .unavailable("`aws \(arguments.prefix(2).joined(separator: " "))` failed: \(Self.shorten(line))")
            }
        } catch let error as SlinkyError {
            return .unavailable(error.message)
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// AWS_ENDPOINT_URL when it points somewhere other than AWS (an emulator such as the sandbox's moto).
    static var customEndpoint: String? {
        guard let url = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"], !url.isEmpty, !url.contains("amazonaws.com") else { return nil }
        return url
    }

    /// moto answers an unserved call with an HTML page; one line of it is enough.
    static func shorten(_ line: String) -> String {
        let text = line.trimmingCharacters(in: .whitespaces)
        if let range = text.range(of: ": <!doctype") ?? text.range(of: ": <html") { return String(text[..<range.lowerBound]) }
        return text.count > 240 ? String(text.prefix(240)) + "…" : text
    }
}
