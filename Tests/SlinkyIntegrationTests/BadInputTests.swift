import Foundation
import Testing

extension SandboxTests {
    /// Each bad input must stop slinky with a message naming the problem, a documented exit code, and the
    /// user's files exactly as they were.
    @Suite("Bad input gets a clear error and loses nothing")
    struct BadInput {
        struct Case: CustomTestStringConvertible, Sendable {
            var name: String
            var extraArguments: [String]
            var expectedExit: Int32
            var messageContains: String
            var testDescription: String { name }
        }

        static let argumentCases: [Case] = [
            Case(name: "unknown region", extraArguments: ["--region", "us-west-9"], expectedExit: 64, messageContains: "unknown AWS region"),
            Case(name: "repository name ECR rejects", extraArguments: ["--repo-name", "Bad_Repo!"], expectedExit: 64, messageContains: "not a valid ECR repository name"),
            Case(name: "tag Docker rejects", extraArguments: ["--tag", "bad tag"], expectedExit: 64, messageContains: "not a valid image tag"),
            Case(name: "cluster name EKS rejects", extraArguments: ["--name", "9-bad_name"], expectedExit: 64, messageContains: "not a valid cluster name"),
            Case(name: "login range open to the internet", extraArguments: ["--allow-cidr", "0.0.0.0/0"], expectedExit: 64, messageContains: "whole internet"),
            Case(name: "login range that is not a CIDR", extraArguments: ["--allow-cidr", "10.0.0.300/32"], expectedExit: 64, messageContains: "not an IPv4 CIDR"),
        ]

        /// Runs an install expected to fail and checks the blueprint and key files did not change.
        func expectRefusal(
            _ ws: Workspace, arguments: [String], environment: [String: String?] = [:], exit: Int32, contains: String
        ) async throws {
            let blueprintBefore = fileBytes(ws.blueprint)
            let keyBefore = fileBytes(ws.sshKey)
            let pubBefore = fileBytes(ws.sshKey + ".pub")
            let result = try await Runner.slinky(arguments, environment: environment)
            #expect(result.exitCode == exit, result.diagnostics)
            #expect(result.errorMessage.contains(contains), result.diagnostics)
            #expect(fileBytes(ws.blueprint) == blueprintBefore, "the blueprint must be left as it was")
            #expect(fileBytes(ws.sshKey) == keyBefore, "the private key must be left as it was")
            #expect(fileBytes(ws.sshKey + ".pub") == pubBefore, "the public key must be left as it was")
            #expect(ws.stepState("install", "ecr-repository") == nil, "nothing may be created")
        }

        @Test("bad flag values are refused before anything happens", arguments: argumentCases)
        func badArguments(_ testCase: Case) async throws {
            let ws = try Workspace(prefix: "bad")
            defer { ws.remove() }
            var arguments = ws.installArguments(repository: "it-bad")
            // Later occurrences of an option win, so the case's value replaces the workspace default.
            if let index = arguments.firstIndex(of: testCase.extraArguments[0]) { arguments.removeSubrange(index...index + 1) }
            arguments += testCase.extraArguments
            try await expectRefusal(ws, arguments: arguments, exit: testCase.expectedExit, contains: testCase.messageContains)
        }

        @Test("--dry-run prints every step with its commands and changes nothing")
        func dryRunChangesNothing() async throws {
            let ws = try Workspace(prefix: "dry")
            defer { ws.remove() }
            let blueprintBefore = fileBytes(ws.blueprint)
            let result = try await Runner.slinky(ws.installArguments(repository: "it-dry") + ["--dry-run"])
            #expect(result.exitCode == 0, result.diagnostics)
            let plans = result.events.filter { $0["event"] as? String == "plan" }
            let planned = plans.compactMap { $0["step"] as? String }
            #expect(planned == ["ecr-repository", "image", "ssh-key", "blueprint", "terraform-init", "terraform-vpc", "terraform-eks", "terraform-apply", "kubernetes", "example-job", "access"])
            let commands = plans.flatMap { $0["commands"] as? [String] ?? [] }
            #expect(commands.contains { $0.contains("terraform -chdir=") && $0.contains("-target=module.vpc") })
            #expect(commands.contains { $0.contains("helm upgrade --install") })
            #expect(commands.contains { $0.contains("docker push") })
            #expect(fileBytes(ws.blueprint) == blueprintBefore)
            #expect(!FileManager.default.fileExists(atPath: ws.stateDirectory), "a dry run creates no state")
            #expect(!FileManager.default.fileExists(atPath: ws.sshKey), "a dry run creates no key")
            let (repoStatus, _) = try await Runner.aws(["ecr", "describe-repositories", "--repository-names", "it-dry"])
            #expect(repoStatus != 0, "a dry run creates no repository")
        }

        @Test("a missing blueprint, a directory, and invalid HCL are each named")
        func badBlueprints() async throws {
            let ws = try Workspace(prefix: "bp")
            defer { ws.remove() }
            try FileManager.default.removeItem(atPath: ws.blueprint)
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "does not exist")

            try FileManager.default.createDirectory(atPath: ws.blueprint, withIntermediateDirectories: true)
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "is a directory")
            try FileManager.default.removeItem(atPath: ws.blueprint)

            try "name = \"x\"\nregion = \"us-west-2\nimage_tag = \"\"\n".write(toFile: ws.blueprint, atomically: true, encoding: .utf8)
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "not valid HCL at line 2")

            try "name = \"x\"\nthis is not hcl\n".write(toFile: ws.blueprint, atomically: true, encoding: .utf8)
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "line 2")

            // A blueprint that cannot be read (mode 000) — root reads anything, so only check as non-root.
            if getuid() != 0 {
                try "name = \"x\"\n".write(toFile: ws.blueprint, atomically: true, encoding: .utf8)
                chmod(ws.blueprint, 0)
                try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "cannot be read")
            }
        }

        @Test("--skip-setup with a blueprint that lacks the image and key values is refused")
        func skipSetupNeedsValues() async throws {
            let ws = try Workspace(prefix: "skip")
            defer { ws.remove() }
            try await expectRefusal(
                ws, arguments: ["install"] + ws.clusterArguments + ["--yes", "--skip-setup"], exit: 65, contains: "--skip-setup needs")
        }

        @Test("a key path that is a directory, or whose .pub does not match, is refused and kept")
        func badKeys() async throws {
            let ws = try Workspace(prefix: "key")
            defer { ws.remove() }
            try FileManager.default.createDirectory(atPath: ws.sshKey, withIntermediateDirectories: true)
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "is a directory")
            try FileManager.default.removeItem(atPath: ws.sshKey)

            let first = try await Runner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "a", "-f", ws.sshKey])
            #expect(first.exitCode == 0)
            let other = ws.root + "/other"
            let second = try await Runner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "b", "-f", other])
            #expect(second.exitCode == 0)
            try FileManager.default.removeItem(atPath: ws.sshKey + ".pub")
            try FileManager.default.copyItem(atPath: other + ".pub", toPath: ws.sshKey + ".pub")
            try await expectRefusal(ws, arguments: ws.installArguments(repository: "it-bad"), exit: 65, contains: "does not match")
        }

        @Test("a missing tool is named with how to install it")
        func missingTool() async throws {
            let ws = try Workspace(prefix: "tool")
            defer { ws.remove() }
            // The same PATH with terraform hidden: its directory is replaced by a copy of its links minus terraform.
            let terraformPath = try await Runner.run("/usr/bin/env", ["sh", "-c", "command -v terraform"])
            let terraformDirectory = (terraformPath.stdout.trimmingCharacters(in: .whitespacesAndNewlines) as NSString).deletingLastPathComponent
            let bin = ws.root + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for entry in try FileManager.default.contentsOfDirectory(atPath: terraformDirectory) where entry != "terraform" {
                try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(entry)", withDestinationPath: "\(terraformDirectory)/\(entry)")
            }
            let path = (Sandbox.environment["PATH"] ?? "").split(separator: ":").map { $0 == terraformDirectory ? bin : String($0) }
                .joined(separator: ":")
            try await expectRefusal(
                ws, arguments: ws.installArguments(repository: "it-bad"), environment: ["PATH": path], exit: 69,
                contains: "terraform is not installed")
        }

        @Test("no Docker daemon is reported as such, with --skip-build as a way out")
        func noDockerDaemon() async throws {
            let ws = try Workspace(prefix: "dock")
            defer { ws.remove() }
            try await expectRefusal(
                ws, arguments: ws.installArguments(repository: "it-bad"),
                environment: ["DOCKER_HOST": "unix://\(ws.root)/no-such.sock"], exit: 69, contains: "Docker daemon is not available")
        }

        @Test("missing credentials stop slinky before anything changes")
        func missingCredentials() async throws {
            let ws = try Workspace(prefix: "cred")
            defer { ws.remove() }
            try await expectRefusal(
                ws, arguments: ws.installArguments(repository: "it-bad"),
                environment: [
                    "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_SESSION_TOKEN": nil, "AWS_PROFILE": nil,
                    "AWS_SHARED_CREDENTIALS_FILE": ws.root + "/none", "AWS_CONFIG_FILE": ws.root + "/none",
                ],
                exit: 77, contains: "AWS credentials are not usable")
        }

        @Test("expired credentials are reported with how to refresh them")
        func expiredCredentials() async throws {
            let ws = try Workspace(prefix: "exp")
            defer { ws.remove() }
            // FAKE, named as such: moto accepts any credentials, so a tiny local endpoint that answers every
            // call the way STS answers an expired session token stands in for AWS here.
            let fake = try ExpiredTokenFakeEndpoint.start()
            defer { fake.stop() }
            try await expectRefusal(
                ws, arguments: ws.installArguments(repository: "it-bad"),
                environment: ["AWS_ENDPOINT_URL": fake.url], exit: 77, contains: "expired")
        }

        @Test("--skip-build with a tag that is not in ECR fails with how to build it")
        func skipBuildWithMissingTag() async throws {
            let ws = try Workspace(prefix: "nobuild")
            defer { ws.remove() }
            let result = try await Runner.slinky(ws.installArguments(repository: "it-\(Sandbox.uniqueSuffix())", tag: "absent") + ["--skip-build"])
            #expect(result.exitCode == 1, result.diagnostics)
            #expect(result.errorMessage.contains("has no image tagged absent"), result.diagnostics)
            #expect(result.hint.contains("run without --skip-build"), result.diagnostics)
            #expect(result.hint.contains("again to continue from step"), result.diagnostics)
            #expect(result.outcomes["terraform-apply"] == "not-started")
        }

        @Test("--skip-repo with a repository that does not exist fails clearly")
        func skipRepoWithMissingRepository() async throws {
            let ws = try Workspace(prefix: "norepo")
            defer { ws.remove() }
            let result = try await Runner.slinky(ws.installArguments(repository: "it-missing-\(Sandbox.uniqueSuffix())") + ["--skip-repo"])
            #expect(result.exitCode == 1, result.diagnostics)
            #expect(result.errorMessage.contains("does not exist"), result.diagnostics)
        }

        @Test("terraform failing mid-apply names the command and its error, keeps the files, and a fixed re-run continues")
        func terraformFailsMidApply() async throws {
            let ws = try Workspace(prefix: "tffail")
            defer { ws.remove() }
            // A CIDR that passes slinky's HCL check but that terraform's variable validation rejects.
            var text = try String(contentsOfFile: ws.blueprint, encoding: .utf8)
            text += "\nvpc_cidr = \"10.0.0.0/33\"\n"
            try text.write(toFile: ws.blueprint, atomically: true, encoding: .utf8)
            let result = try await Runner.slinky(ws.installArguments(repository: "it-\(Sandbox.uniqueSuffix())"))
            #expect(result.exitCode == 1, result.diagnostics)
            #expect(result.errorMessage.contains("terraform"), result.diagnostics)
            #expect(result.errorMessage.contains("exited with status 1"), result.diagnostics)
            #expect(result.hint.contains("slinky install --name \(ws.cluster)` again to continue from step"), result.diagnostics)
            let afterFailure = try String(contentsOfFile: ws.blueprint, encoding: .utf8)
            #expect(afterFailure.contains("vpc_cidr = \"10.0.0.0/33\""), "the user's line is kept")
            #expect(ws.stepState("install", "image") == "succeeded", "work done before the failure is recorded")
        }
    }
}

/// FAKE (see its use): answers every AWS query-protocol call with STS's "expired token" error.
struct ExpiredTokenFakeEndpoint {
    let process: Process
    let url: String

    static func start() throws -> ExpiredTokenFakeEndpoint {
        let script = """
            import http.server, socketserver, sys
            body = b'<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>'
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers.get('Content-Length') or 0))
                    self.send_response(403); self.send_header('Content-Type', 'text/xml'); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
                do_GET = do_POST
                def log_message(self, *a): pass
            s = socketserver.TCPServer(('127.0.0.1', 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var portText = ""
        while !portText.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            portText += String(decoding: chunk, as: UTF8.self)
        }
        return ExpiredTokenFakeEndpoint(process: process, url: "http://127.0.0.1:\(portText.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
