import Foundation

/// The AWS CLI, called with the account's region and profile spelled out on every call.
///
/// Only flags that CLI v1 and v2 share are used; the pager is disabled through AWS_PAGER by the runner.
public struct AWSCLI: Sendable {
    public let runner: ProcessRunner
    public let region: String
    public let profile: String?

    public init(runner: ProcessRunner, region: String, profile: String?) {
        self.runner = runner
        self.region = region
        self.profile = profile
    }

    public func invocation(_ arguments: [String], region overrideRegion: String? = nil) -> Invocation {
        var args = arguments + ["--region", overrideRegion ?? region, "--output", "json"]
        if let profile { args += ["--profile", profile] }
        return Invocation("aws", args)
    }

    /// Runs a call; an AWS error comes back as `AWSFailure` so callers can accept the codes they expect.
    public func call(_ arguments: [String], region overrideRegion: String? = nil, log: StepLog?) async throws -> Result<String, AWSFailure> {
        let invocation = invocation(arguments, region: overrideRegion)
        log?.command(invocation.commandLine)
        let result = try await runner.run(invocation, sink: log)
        if result.succeeded { return .success(result.standardOutput) }
        return .failure(AWSFailure(invocation: invocation, result: result, logPath: log?.path))
    }

    /// A call that must succeed; anything else becomes one clear error.
    public func json(_ arguments: [String], region overrideRegion: String? = nil, log: StepLog?) async throws -> [String: Any] {
        switch try await call(arguments, region: overrideRegion, log: log) {
        case .success(let text):
            guard !text.isEmpty else { return [:] }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw SlinkyError.commandFailed(CommandFailure(
                    commandLine: invocation(arguments, region: overrideRegion).commandLine,
                    exitDescription: "answered with something that is not JSON", stderrTail: [String(text.prefix(200))],
                    logPath: log?.path))
            }
            return object
        case .failure(let failure):
            throw failure.asError
        }
    }
}

extension AWSCLI {
    /// The account the credentials belong to: part of every state key and of the default bucket name.
    public func callerAccount() async throws -> String {
        let identity = try await json(["sts", "get-caller-identity"], log: nil)
        guard let account = identity["Account"] as? String, !account.isEmpty else {
            throw SlinkyError.credentials(detail: "sts get-caller-identity named no account", hint: "check the credentials slinky runs with")
        }
        return account
    }
}

/// A failed AWS CLI call with the service's error code, when it gave one.
public struct AWSFailure: Error, Sendable {
    public let invocation: Invocation
    public let result: ProcessResult
    public let logPath: String?

    /// "RepositoryNotFoundException" from "An error occurred (RepositoryNotFoundException) when calling ...".
    public var code: String? {
        for line in result.standardErrorTail.reversed() {
            if let open = line.range(of: "An error occurred ("), let close = line[open.upperBound...].firstIndex(of: ")") {
                return String(line[open.upperBound..<close])
            }
        }
        return nil
    }

    static let credentialCodes: Set<String> = [
        "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
        "SignatureDoesNotMatch", "AuthFailure", "InvalidAccessKeyId", "AccessDenied",
    ]

    public var isCredentialProblem: Bool {
        if let code, Self.credentialCodes.contains(code), code != "AccessDenied" { return true }
        let text = result.standardErrorTail.joined(separator: "\n")
        return text.contains("Unable to locate credentials") || text.contains("security token included in the request is expired")
            || text.contains("Error when retrieving token from sso") || text.contains("The SSO session associated with this profile has expired")
            || text.contains("could not be found") && text.contains("profile")
    }

    public var asError: SlinkyError {
        if isCredentialProblem {
            let detail = result.standardErrorTail.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "rejected"
            return .credentials(
                detail: detail.trimmingCharacters(in: .whitespaces),
                hint: "refresh them (`aws sso login`, `aws configure`, or export AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again")
        }
        return .commandFailed(CommandFailure(
            commandLine: invocation.commandLine, exitDescription: result.exitDescription,
            stderrTail: result.standardErrorTail, logPath: logPath))
    }
}
