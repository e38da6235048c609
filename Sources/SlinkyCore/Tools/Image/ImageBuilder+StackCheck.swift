import Foundation

/// Running `slurmd-stack-check` inside an image: what `slinky image verify` does.
extension ImageBuilder {
    /// Where the Dockerfiles install the check (dockerfiles/slurmd-stack-check).
    public static let stackCheckPath = "/usr/local/bin/slurmd-stack-check"

    /// Turns `NCCL=2.99.9` or `STACK_EXPECT_NCCL=2.99.9` into the check's environment variable.
    public static func expectationVariable(_ key: String) -> String {
        let upper = key.uppercased().replacingOccurrences(of: "-", with: "_")
        return upper.hasPrefix("STACK_EXPECT_") ? upper : "STACK_EXPECT_\(upper)"
    }

    /// `docker run` of the check alone: no network (it only reads files and runs local binaries), the
    /// image's own entrypoint bypassed (the slurmd entrypoint would start slurmd), removed afterwards.
    public static func stackCheckInvocation(
        image: String, expectations: [String: String] = [:], skipChecks: [String] = [], platform: String = "linux/amd64"
    ) -> Invocation {
        var args = ["run", "--rm", "--network", "none", "--platform", platform, "--entrypoint", stackCheckPath]
        for (key, value) in expectations.sorted(by: { $0.key < $1.key }) {
            args += ["--env", "\(expectationVariable(key))=\(value)"]
        }
        if !skipChecks.isEmpty { args += ["--env", "STACK_CHECK_SKIP=\(skipChecks.joined(separator: ","))"] }
        args.append(image)
        return Invocation("docker", args)
    }

    /// Runs the check inside `image` and returns what it said, passed or not. Only a check that could not
    /// run at all (no such image, no such script) is thrown.
    public func runStackCheck(
        image: String, expectations: [String: String] = [:], skipChecks: [String] = [], log: StepLog
    ) async throws -> StackCheckReport {
        let invocation = Self.stackCheckInvocation(image: image, expectations: expectations, skipChecks: skipChecks)
        log.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        if let signal = runner.interrupts.receivedSignal { throw SlinkyError.interrupted(signal: signal) }
        let report = StackCheckReport.parse(result.standardOutput, exitCode: result.exitCode)
        // 0 and 1 are the script's answers; anything else (125-127: docker could not start it) is not a verdict.
        guard report.exitCode == 0 || report.exitCode == 1, !report.lines.isEmpty else {
            throw SlinkyError.commandFailed(CommandFailure(
                commandLine: invocation.commandLine,
                exitDescription: result.exitDescription + (report.lines.isEmpty ? " and printed no check results" : ""),
                stderrTail: result.standardErrorTail, logPath: log.path,
                hint: "the image must contain \(Self.stackCheckPath) (dockerfiles/slurmd-stack-check); rebuild it from dockerfiles/"))
        }
        return report
    }

    public struct VerifyResult: Sendable, Equatable {
        public var report: StackCheckReport
        /// True when the image was not local and was pulled from ECR first.
        public var pulled: Bool
    }

    /// Runs the check in `target`'s image, pulling it from ECR when it is not local (or when `pull` forces it),
    /// and returns what it said, passed or not.
    public func checkImage(
        _ target: ImageTarget, expectations: [String: String] = [:], skipChecks: [String] = [], pull: Bool = false,
        log: StepLog
    ) async throws -> VerifyResult {
        var pulled = false
        var needsPull = pull
        if !needsPull { needsPull = try await localImage(target.reference, log: log) == nil }
        if needsPull {
            guard try await remoteDigest(repositoryName: target.repositoryName, tag: target.tag, log: log) != nil else {
                throw SlinkyError.precondition(
                    "there is no image \(target.reference), neither local nor in ECR",
                    hint: "build and push it first: slinky image build --repo-name \(target.repositoryName) --tag \(target.tag), then slinky image push with the same flags")
            }
            try await login(registry: target.registry, log: log)
            try await docker.run(Self.pullInvocation(target.reference), log: log,
                                 hint: "check the registry login and network, then run again")
            pulled = true
        }
        let report = try await runStackCheck(image: target.reference, expectations: expectations, skipChecks: skipChecks, log: log)
        return VerifyResult(report: report, pulled: pulled)
    }

    /// `checkImage`, with a failing check thrown as an error that names the failing checks.
    public func verify(
        _ target: ImageTarget, expectations: [String: String] = [:], skipChecks: [String] = [], pull: Bool = false,
        log: StepLog
    ) async throws -> VerifyResult {
        let result = try await checkImage(target, expectations: expectations, skipChecks: skipChecks, pull: pull, log: log)
        if let failure = result.report.failure(image: target.reference, logPath: log.path) { throw failure }
        return result
    }
}
