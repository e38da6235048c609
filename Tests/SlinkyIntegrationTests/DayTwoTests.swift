import Foundation
import Testing

extension SandboxTests {
    @Suite("Day two against the sandbox: doctor, logs and a bug bundle, ~ from HOME, a broken tool")
    struct DayTwo {
        /// FAKE, named as such: an `aws` whose Python libraries another package replaced, as seen on a real machine.
        static func fakeBrokenAWS(in directory: String) throws -> String {
            let bin = "\(directory)/fake-broken-aws-bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try """
                #!/bin/sh
                echo 'Traceback (most recent call last):' >&2
                echo "ImportError: cannot import name 'register_feature_id' from 'botocore.useragent'" >&2
                exit 1
                """.write(toFile: "\(bin)/aws", atomically: true, encoding: .utf8)
            chmod("\(bin)/aws", 0o755)
            return "\(bin):\(Sandbox.environment["PATH"] ?? "/usr/bin:/bin")"
        }

        @Test("install with HOME in a folder whose name has a space puts the default key there; logs print a step; the bundle holds journal, logs, outputs, versions and blueprint with every planted secret removed; doctor passes on moto")
        func installLogsBundleDoctor() async throws {
            let ws = try Workspace(prefix: "day2")
            defer { ws.remove() }
            let home = "\(ws.root)/a home with space"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let repository = "it-\(Sandbox.uniqueSuffix())"
            // No --ssh-key: the default ~/.ssh/id_ed25519_slurm must land under this HOME.
            var install = ws.installArguments(repository: repository)
            if let index = install.firstIndex(of: "--ssh-key") { install.removeSubrange(index...(index + 1)) }
            let result = try await Runner.slinky(install, environment: ["HOME": home])
            try #require(result.exitCode == 0, result.diagnostics)
            let key = "\(home)/.ssh/id_ed25519_slurm"
            #expect(FileManager.default.fileExists(atPath: key), "the key is under $HOME, not the passwd home")
            #expect(result.outputs(of: "preflight")["doctor"]?.contains("account checks passed") == true, result.diagnostics)

            // logs: the latest run's steps, and one step's log as written.
            let listing = try await Runner.slinky(["logs"] + ws.clusterArguments)
            #expect(listing.exitCode == 0, listing.diagnostics)
            let run = try #require(listing.events.first?["run"] as? String)
            #expect((listing.events.first?["steps"] as? [String])?.contains("terraform-apply") == true, listing.diagnostics)
            let step = try await Runner.slinky(["logs", "--step", "terraform-vpc"] + ws.clusterArguments.dropLast(2))
            #expect(step.exitCode == 0, step.diagnostics)
            #expect(step.stdout.contains("module.vpc") && step.stdout.contains("Apply complete"), step.diagnostics)
            let missingStep = try await Runner.slinky(["logs", "--step", "no-such-step"] + ws.clusterArguments)
            #expect(missingStep.exitCode == 64, missingStep.diagnostics)

            // Plant every kind of secret where a bundle would pick it up: a step log, the blueprint, the environment.
            let planted = [
                "access key": "AKIAIOSFODNN7EXAMPLE",
                "secret key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "session token": "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENvalue0123456789abcdef",
                "registry password": "eyJwYXlsb2FkIjoiRVhBTVBMRXJlZ2lzdHJ5cGFzc3dvcmQifQ==",
                "mariadb password": "Mdb-EXAMPLE-pw-4f8a2c",
                "private key body": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            ]
            let logPath = "\(ws.stateDirectory)/logs/\(run)/terraform-apply.log"
            let handle = try #require(FileHandle(forWritingAtPath: logPath))
            handle.seekToEndOfFile()
            handle.write(Data("""
                AWS_ACCESS_KEY_ID=\(planted["access key"]!) AWS_SECRET_ACCESS_KEY=\(planted["secret key"]!)
                {"SessionToken": "\(planted["session token"]!)"}
                $ docker login --username AWS --password \(planted["registry password"]!) 123456789012.dkr.ecr.us-west-2.amazonaws.com
                mariadb-password: \(planted["mariadb password"]!)
                -----BEGIN OPENSSH PRIVATE KEY-----
                \(planted["private key body"]!)
                -----END OPENSSH PRIVATE KEY-----

                """.utf8))
            try handle.close()
            let blueprint = try String(contentsOfFile: ws.blueprint, encoding: .utf8)
            try (blueprint + "\n# pasted by mistake: aws_secret_access_key = \(planted["secret key"]!)\n").write(toFile: ws.blueprint, atomically: true, encoding: .utf8)

            let bundlePath = "\(ws.root)/report.tar.gz"
            let bundle = try await Runner.slinky(
                ["logs", "--bundle", bundlePath] + ws.clusterArguments,
                environment: ["AWS_SESSION_TOKEN": planted["session token"]!, "HOME": home])
            #expect(bundle.exitCode == 0, bundle.diagnostics)
            let unpacked = "\(ws.root)/unpacked"
            try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
            let untar = try await Runner.run("/bin/tar", ["-xzf", bundlePath, "-C", unpacked])
            #expect(untar.exitCode == 0, untar.diagnostics)
            let files = try #require(FileManager.default.subpaths(atPath: unpacked))
            for expected in ["journal.json", "terraform-outputs.json", "tool-versions.txt", "blueprint.tfvars", "logs/\(run)/terraform-apply.log", "logs/\(run)/preflight.log"] {
                #expect(files.contains { $0.hasSuffix(expected) }, "bundle has \(expected): \(files)")
            }
            // grep, as a person checking the bundle would.
            for (what, secret) in planted {
                let grep = try await Runner.run("/bin/grep", ["-rF", secret, unpacked])
                #expect(grep.exitCode == 1, "\(what) leaked into the bundle: \(grep.stdout)")
            }
            let grepKey = try await Runner.run("/bin/grep", ["-rl", "BEGIN OPENSSH PRIVATE KEY", unpacked])
            #expect(grepKey.exitCode == 1, "private key material leaked: \(grepKey.stdout)")
            let outputs = try String(contentsOfFile: "\(unpacked)/\(files.first { $0.hasSuffix("terraform-outputs.json") }!)", encoding: .utf8)
            #expect(outputs.contains(ws.cluster), "the outputs are there, not scrubbed away")

            // doctor on the installed cluster: moto's answers give no error, and what moto cannot answer says so.
            let doctor = try await Runner.slinky(["doctor"] + ws.clusterArguments + ["--dockerfile", ws.sandboxDockerfile], environment: ["HOME": home])
            #expect(doctor.exitCode == 0, doctor.diagnostics)
            let checks = doctor.events.filter { $0["event"] as? String == "check" }
            func finding(_ check: String) -> [String: Any]? { checks.first { $0["check"] as? String == check } }
            #expect(finding("gpu-offerings")?["level"] as? String == "ok", doctor.diagnostics)
            #expect(finding("credentials")?["level"] as? String == "ok", doctor.diagnostics)
            // moto serves no Service Quotas for ec2 and no eks describe-cluster-versions.
            #expect(finding("vcpu-quota")?["checked"] as? Bool == false, doctor.diagnostics)
            #expect(finding("eks-version")?["checked"] as? Bool == false, doctor.diagnostics)
            #expect((finding("vpc-quota")?["finding"] as? String)?.contains("exists already") == true, doctor.diagnostics)

            let cleanup = try await Runner.slinky(["cleanup"] + ws.clusterArguments + ["--yes"], environment: ["HOME": home])
            #expect(cleanup.exitCode == 0, cleanup.diagnostics)
        }

        @Test("a GPU type the region's zones do not offer: doctor names it and the zones (exit 1), and install stops in preflight before any change")
        func unofferedGPUTypeStopsInstall() async throws {
            let ws = try Workspace(prefix: "gpu")
            defer { ws.remove() }
            let blueprint = try String(contentsOfFile: ws.blueprint, encoding: .utf8)
            try (blueprint + "\ngpu_instance_types = [\"p9.bogus\"]\n").write(toFile: ws.blueprint, atomically: true, encoding: .utf8)
            let doctor = try await Runner.slinky(["doctor"] + ws.clusterArguments)
            #expect(doctor.exitCode == 1, doctor.diagnostics)
            let error = doctor.events.first { $0["check"] as? String == "gpu-offerings" && $0["level"] as? String == "error" }
            #expect((error?["finding"] as? String)?.contains("p9.bogus is not offered in any of the zones the VPC will use (us-west-2a, us-west-2b, us-west-2c)") == true, doctor.diagnostics)
            let install = try await Runner.slinky(ws.installArguments(repository: "it-bad"))
            #expect(install.exitCode == 1, install.diagnostics)
            #expect(install.errorMessage.contains("the install cannot succeed") && install.errorMessage.contains("p9.bogus"), install.diagnostics)
            #expect(ws.stepState("install", "ecr-repository") == nil, "nothing may be created")
            #expect(!FileManager.default.fileExists(atPath: ws.sshKey), "no key is made")
        }

        @Test("a broken aws earlier on PATH is 'installed but failing' with its command and ImportError, in preflight (exit 69) and in doctor (exit 1)")
        func brokenAWSIsNotMissing() async throws {
            let ws = try Workspace(prefix: "brk")
            defer { ws.remove() }
            let path = try Self.fakeBrokenAWS(in: ws.root)
            // --region: the region lookup would otherwise ask the broken aws.
            let install = try await Runner.slinky(ws.installArguments(repository: "it-bad") + ["--region", "us-west-2"], environment: ["PATH": path])
            #expect(install.exitCode == 69, install.diagnostics)
            #expect(install.errorMessage.contains("aws is installed but failing: `aws --version` exited with status 1"), install.diagnostics)
            #expect(install.errorMessage.contains("ImportError: cannot import name 'register_feature_id'"), install.diagnostics)
            #expect(!install.errorMessage.contains("not installed or not on PATH"), install.diagnostics)
            #expect(ws.stepState("install", "ecr-repository") == nil)
            let doctor = try await Runner.slinky(["doctor"] + ws.clusterArguments + ["--region", "us-west-2"], environment: ["PATH": path])
            #expect(doctor.exitCode == 1, doctor.diagnostics)
            let tool = doctor.events.first { $0["check"] as? String == "tools" && ($0["finding"] as? String)?.hasPrefix("aws ") == true }
            #expect(tool?["level"] as? String == "error", doctor.diagnostics)
            #expect((tool?["finding"] as? String)?.contains("installed but failing") == true, doctor.diagnostics)
        }
    }
}
