import Foundation
import Testing

/// A bucket in moto's S3 named for one test.
struct StateBucket {
    let name = "it-state-\(Sandbox.uniqueSuffix())"

    func prefix(_ cluster: String) -> String { "slinky/123456789012/us-west-2/\(cluster)/" }

    func object(_ key: String) async throws -> Data? {
        let target = NSTemporaryDirectory() + "it-object-\(Sandbox.uniqueSuffix())"
        defer { try? FileManager.default.removeItem(atPath: target) }
        let (status, _) = try await Runner.aws(["s3api", "get-object", "--bucket", name, "--key", key, target])
        return status == 0 ? fileBytes(target) : nil
    }

    func keys(_ prefix: String) async throws -> [String] {
        let (_, listing) = try await Runner.aws(["s3api", "list-objects-v2", "--bucket", name, "--prefix", prefix])
        return (listing["Contents"] as? [[String: Any]] ?? []).compactMap { $0["Key"] as? String }
    }
}

/// A recording pass-through, not a fake: an `aws` first on PATH that writes its arguments to a file and
/// runs the real aws CLI, so a test can count what slinky asked of AWS.
enum RecordingAWS {
    static func install(in directory: String) throws -> (path: String, calls: String) {
        let searchPath = Sandbox.environment["PATH"] ?? "/usr/bin:/bin"
        let real = try #require(searchPath.split(separator: ":").map { "\($0)/aws" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        })
        let bin = "\(directory)/recording-aws-bin", calls = "\(directory)/aws-calls.txt"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try """
            #!/bin/sh
            printf '%s\\n' "$*" >> '\(calls)'
            exec '\(real)' "$@"
            """.write(toFile: "\(bin)/aws", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(bin)/aws")
        return ("\(bin):\(searchPath)", calls)
    }
}

extension SandboxTests {
    @Suite("Shared state in S3: locking across folders, status and cleanup from elsewhere, state push")
    struct SharedState {
        @Test("state init makes a versioned, encrypted, private bucket and can run again")
        func stateInitIsIdempotent() async throws {
            let bucket = StateBucket()
            for _ in 0..<2 {
                let result = try await Runner.slinky(["state", "init", "--state-bucket", bucket.name, "--output", "json"])
                try #require(result.exitCode == 0, result.diagnostics)
                #expect(result.events.first?["bucket"] as? String == bucket.name)
            }
            let (_, versioning) = try await Runner.aws(["s3api", "get-bucket-versioning", "--bucket", bucket.name])
            #expect(versioning["Status"] as? String == "Enabled")
            let (_, encryption) = try await Runner.aws(["s3api", "get-bucket-encryption", "--bucket", bucket.name])
            #expect("\(encryption)".contains("AES256"))
            let (_, block) = try await Runner.aws(["s3api", "get-public-access-block", "--bucket", bucket.name])
            let settings = block["PublicAccessBlockConfiguration"] as? [String: Bool] ?? [:]
            #expect(settings.count == 4 && settings.values.allSatisfy { $0 }, "public access block: \(settings)")
            let (_, tags) = try await Runner.aws(["s3api", "get-bucket-tagging", "--bucket", bucket.name])
            #expect("\(tags)".contains("managed-by"))
        }

        @Test("two folders install one cluster at once: one runs, the other is refused naming it; a fresh folder then reads status and cleans up with only name, region and bucket")
        func sharedClusterFromTwoFolders() async throws {
            let bucket = StateBucket()
            let first = try Workspace(prefix: "shared")
            let second = try Workspace(prefix: "shared2")
            let fresh = NSTemporaryDirectory() + "slinky-it-fresh-\(Sandbox.uniqueSuffix())"
            defer { first.remove(); second.remove(); try? FileManager.default.removeItem(atPath: fresh) }
            let cluster = first.cluster
            let repository = "it-\(Sandbox.uniqueSuffix())"
            let initBucket = try await Runner.slinky(["state", "init", "--state-bucket", bucket.name])
            try #require(initBucket.exitCode == 0, initBucket.diagnostics)

            // A runner that died mid-run left its lock; its heartbeat is an hour old, so the next run takes over.
            let staleHolder = #"{"command":"slinky install","heartbeatAt":"2026-01-01T00:00:00Z","host":"gone-ci-runner","pid":4242,"startedAt":"2026-01-01T00:00:00Z","user":"ci"}"#
            let stalePath = first.root + "/stale-lock.json"
            try staleHolder.write(toFile: stalePath, atomically: true, encoding: .utf8)
            let (planted, _) = try await Runner.aws(["s3api", "put-object", "--bucket", bucket.name, "--key", bucket.prefix(cluster) + "run.lock", "--body", stalePath])
            try #require(planted == 0)

            func install(_ ws: Workspace) -> [String] {
                ["install", "--name", cluster, "--blueprint", ws.blueprint, "--state-dir", ws.stateBase, "--output", "json",
                 "--state-bucket", bucket.name, "--yes", "--dockerfile", ws.sandboxDockerfile, "--ssh-key", first.sshKey,
                 "--repo-name", repository, "--tag", "v1"]
            }
            let (running, out, err) = try Runner.start(try #require(Sandbox.binary), install(first), currentDirectory: Sandbox.projectRoot)
            // Wait until the first run holds the lock in the bucket (its own PID in the lock object).
            let holding = try await waitUntil(timeout: 120) {
                guard let data = try await bucket.object(bucket.prefix(cluster) + "run.lock"),
                    let holder = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
                return (holder["pid"] as? Int).map(Int32.init) == running.processIdentifier
            }
            #expect(holding, "the first install never took the bucket lock")
            let refused = try await Runner.slinky(install(second))
            let firstResult = await Runner.finish(running, out, err)
            try #require(firstResult.exitCode == 0, firstResult.diagnostics)

            #expect(refused.exitCode == 75, refused.diagnostics)
            #expect(refused.errorMessage.contains("locked in the state bucket by `slinky install`"), refused.diagnostics)
            #expect(refused.errorMessage.contains("PID \(running.processIdentifier)"), refused.diagnostics)
            #expect(firstResult.events.contains { (($0["message"] as? String) ?? "").contains("took over the bucket lock left by `slinky install` on gone-ci-runner") },
                    "the stale lock was taken over with a note")

            // The state is in the bucket, not in the folder; the lock is gone.
            let keys = try await bucket.keys(bucket.prefix(cluster))
            #expect(Set(keys.map { ($0 as NSString).lastPathComponent }) == ["terraform.tfstate", "journal.json", "blueprint.tfvars"], "\(keys)")
            #expect(!FileManager.default.fileExists(atPath: "\(first.stateDirectory)/terraform/terraform.tfstate"))

            // Every resource of the stack that takes tags names the cluster and slinky.
            let state = try #require(try await bucket.object(bucket.prefix(cluster) + "terraform.tfstate"))
            let untagged = try untaggedResources(state, cluster: cluster)
            #expect(untagged.tagged > 10, "tagged resources: \(untagged.tagged)")
            #expect(untagged.missing.isEmpty, "resources without slinky's tags: \(untagged.missing)")

            // The folder that installed is gone; another, with only name, region and bucket, takes over.
            first.remove()
            let common = ["--name", cluster, "--region", "us-west-2", "--state-bucket", bucket.name, "--state-dir", fresh, "--output", "json"]
            let status = try await Runner.slinky(["status"] + common)
            #expect(status.exitCode == 0, status.diagnostics)
            #expect(status.events.first?["installed"] as? Bool == true)
            let recordLocation = (status.events.first?["location"] as? String) ?? ""
            #expect(recordLocation.hasPrefix("s3://\(bucket.name)/"), "\(recordLocation)")

            let list = try await Runner.slinky(["list"] + common)
            #expect(list.exitCode == 0, list.diagnostics)
            #expect(list.events.contains { $0["cluster"] as? String == cluster && $0["state"] as? String == "installed" }, list.diagnostics)

            // A volume a controller left, carrying only slinky's cluster tag, is found and swept by it.
            let (created, volume) = try await Runner.aws([
                "ec2", "create-volume", "--availability-zone", "us-west-2a", "--size", "1",
                "--tag-specifications", "ResourceType=volume,Tags=[{Key=slinky:cluster,Value=\(cluster)}]",
            ])
            try #require(created == 0)
            let volumeID = try #require(volume["VolumeId"] as? String)

            let cleanup = try await Runner.slinky(["cleanup", "--yes"] + common)
            try #require(cleanup.exitCode == 0, cleanup.diagnostics)
            let (volumeGone, _) = try await Runner.aws(["ec2", "describe-volumes", "--volume-ids", volumeID])
            #expect(volumeGone != 0, "the leftover volume tagged slinky:cluster was deleted")
            #expect(cleanup.events.contains { (($0["message"] as? String) ?? "").contains("using the blueprint the cluster was built from") })
            let (describeStatus, _) = try await Runner.aws(["eks", "describe-cluster", "--name", cluster])
            #expect(describeStatus != 0, "the EKS cluster is gone")
            #expect(try await bucket.object(bucket.prefix(cluster) + "run.lock") == nil, "the lock is released")

            let after = try await Runner.slinky(["status"] + common)
            #expect(after.exitCode == 3)
            #expect(after.events.first?["phase"] as? String == "cleanup")
        }

        @Test("an install that failed in one folder is resumed from another: done steps stay done, terraform continues")
        func installResumesFromAnotherFolder() async throws {
            let bucket = StateBucket()
            let first = try Workspace(prefix: "resume")
            let second = NSTemporaryDirectory() + "slinky-it-resume2-\(Sandbox.uniqueSuffix())"
            try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
            defer { first.remove(); try? FileManager.default.removeItem(atPath: second) }
            let initBucket = try await Runner.slinky(["state", "init", "--state-bucket", bucket.name])
            try #require(initBucket.exitCode == 0, initBucket.diagnostics)
            let repository = "it-\(Sandbox.uniqueSuffix())"

            // The first machine's blueprint has a value terraform rejects in the first targeted apply.
            let good = try String(contentsOfFile: first.blueprint, encoding: .utf8)
            try (good + "\nvpc_cidr = \"10.0.0.0/33\"\n").write(toFile: first.blueprint, atomically: true, encoding: .utf8)
            let failed = try await Runner.slinky(first.installArguments(repository: repository) + ["--state-bucket", bucket.name])
            #expect(failed.exitCode == 1, failed.diagnostics)
            #expect(failed.outcomes["terraform-vpc"] == "failed", failed.diagnostics)
            #expect(failed.outcomes["image"] == "done")

            // The second machine: its own checkout of the (fixed) blueprint, its own key, nothing local.
            let blueprint = "\(second)/blueprint.tfvars"
            try good.write(toFile: blueprint, atomically: true, encoding: .utf8)
            let common = ["--name", first.cluster, "--region", "us-west-2", "--state-bucket", bucket.name, "--state-dir", "\(second)/state", "--output", "json"]
            let resumed = try await Runner.slinky(["install", "--yes", "--blueprint", blueprint, "--ssh-key", "\(second)/key",
                                                  "--dockerfile", first.sandboxDockerfile, "--repo-name", repository, "--tag", "v1"] + common)
            try #require(resumed.exitCode == 0, resumed.diagnostics)
            #expect(resumed.outcomes["ecr-repository"] == "up-to-date", "\(resumed.outcomes)")
            #expect(resumed.outcomes["image"] == "up-to-date", "the image the first machine pushed is not rebuilt: \(resumed.outcomes)")
            #expect(resumed.outcomes["terraform-vpc"] == "done")
            #expect(resumed.outcomes["terraform-apply"] == "done")

            // A re-run with nothing to do asks the bucket only what the lock protocol needs: the lock is taken
            // where this folder remembers the cluster, beside the identity call (no get-bucket-location first),
            // ECR's answer for the image check proves the account (no STS), and the journal goes up once.
            let (path, calls) = try RecordingAWS.install(in: second)
            let noOp = try await Runner.slinky(["install", "--yes", "--blueprint", blueprint, "--ssh-key", "\(second)/key",
                                               "--dockerfile", first.sandboxDockerfile, "--repo-name", repository, "--tag", "v1"] + common,
                                              environment: ["PATH": path])
            try #require(noOp.exitCode == 0, noOp.diagnostics)
            for step in ["ecr-repository", "image", "ssh-key", "blueprint", "terraform-init", "terraform-vpc", "terraform-eks", "terraform-apply"] {
                #expect(noOp.outcomes[step] == "up-to-date", "step \(step) on the no-op re-run: \(noOp.outcomes)")
            }
            let asked = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(!asked.contains { $0.hasPrefix("sts ") }, "\(asked)")
            #expect(!asked.contains { $0.contains("get-bucket-location") }, "\(asked)")
            #expect(asked.filter { $0.hasPrefix("s3api put-object") && $0.contains("journal.json") }.count == 1, "\(asked)")
            #expect(asked.filter { $0.hasPrefix("s3api put-object") && $0.contains("run.lock") }.count == 1, "\(asked)")
            #expect(asked.filter { $0.hasPrefix("s3api delete-object") && $0.contains("run.lock") }.count == 1, "\(asked)")
            #expect(try await bucket.keys(bucket.prefix(first.cluster)).allSatisfy { !$0.hasSuffix("run.lock") }, "the lock is released")

            // A marker remembering another account (the credentials changed since): the lock it took there is
            // released, the run goes the first-run way, and the marker is put right.
            let markerPath = "\(second)/state/\(first.cluster)/backend.json"
            let remembered = try String(contentsOfFile: markerPath, encoding: .utf8)
            try #require(remembered.contains("123456789012"), "\(remembered)")
            try remembered.replacingOccurrences(of: "123456789012", with: "999999999999")
                .write(toFile: markerPath, atomically: true, encoding: .utf8)
            let afterSwitch = try await Runner.slinky(["install", "--yes", "--blueprint", blueprint, "--ssh-key", "\(second)/key",
                                                      "--dockerfile", first.sandboxDockerfile, "--repo-name", repository, "--tag", "v1"] + common)
            try #require(afterSwitch.exitCode == 0, afterSwitch.diagnostics)
            #expect(afterSwitch.outcomes["terraform-apply"] == "up-to-date", "\(afterSwitch.outcomes)")
            #expect(try await bucket.keys("slinky/999999999999/").isEmpty, "nothing is left under the account the marker guessed")
            let corrected = try JSONSerialization.jsonObject(with: try #require(fileBytes(markerPath))) as? [String: Any]
            #expect(corrected?["prefix"] as? String == bucket.prefix(first.cluster), "\(corrected ?? [:])")

            let cleanup = try await Runner.slinky(["cleanup", "--yes"] + common)
            #expect(cleanup.exitCode == 0, cleanup.diagnostics)
        }

        @Test("a shared-state run stopped by Ctrl-C still saves its journal to the bucket and releases the lock; one whose journal another run wrote over stops and leaves that record alone")
        func stoppingASharedRun() async throws {
            let bucket = StateBucket()
            let ws = try Workspace(prefix: "stop")
            defer { ws.remove() }
            let initBucket = try await Runner.slinky(["state", "init", "--state-bucket", bucket.name])
            try #require(initBucket.exitCode == 0, initBucket.diagnostics)
            let binary = try #require(Sandbox.binary)
            let arguments = ws.installArguments(repository: "it-\(Sandbox.uniqueSuffix())") + ["--state-bucket", bucket.name]
            let journalKey = bucket.prefix(ws.cluster) + "journal.json"
            let lockKey = bucket.prefix(ws.cluster) + "run.lock"
            func remoteJournal() async throws -> [String: Any]? {
                guard let data = try await bucket.object(journalKey) else { return nil }
                return try JSONSerialization.jsonObject(with: data) as? [String: Any]
            }

            // Ctrl-C during terraform: the bucket ends with the interrupted record, and no lock.
            let (first, firstOut, firstErr) = try Runner.start(binary, arguments, currentDirectory: Sandbox.projectRoot)
            let reachedVPC = try await waitUntil(timeout: 300) { ws.stepState("install", "terraform-vpc") == "running" }
            try #require(reachedVPC, "the install should reach the VPC apply")
            try await Task.sleep(for: .seconds(2))
            kill(first.processIdentifier, SIGINT)
            let interrupted = await Runner.finish(first, firstOut, firstErr)
            #expect(interrupted.exitCode == 130, interrupted.diagnostics)
            let afterStop = try await remoteJournal()
            #expect(afterStop?["lastResult"] as? String == "interrupted")
            #expect(((afterStop?["install"] as? [String: Any])?["terraform-vpc"] as? [String: Any])?["state"] as? String == "interrupted")
            #expect(try await bucket.object(lockKey) == nil, "the lock is released after Ctrl-C")

            // Another run writes the journal while this one works: this one stops without writing over it.
            let (second, secondOut, secondErr) = try Runner.start(binary, arguments, currentDirectory: Sandbox.projectRoot)
            let running = try await waitUntil(timeout: 120) { try await remoteJournal()?["lastResult"] as? String == "running" }
            #expect(running, "the second run never recorded itself in the bucket")
            let intruder = #"{"version":1,"cluster":"\#(ws.cluster)","install":{},"cleanup":{},"lastCommand":"install","lastResult":"written-by-another-run"}"#
            let intruderPath = ws.root + "/intruder.json"
            try intruder.write(toFile: intruderPath, atomically: true, encoding: .utf8)
            let (written, _) = try await Runner.aws(["s3api", "put-object", "--bucket", bucket.name, "--key", journalKey, "--body", intruderPath])
            try #require(written == 0)
            let result = await Runner.finish(second, secondOut, secondErr)
            #expect(result.exitCode == 1, result.diagnostics)
            #expect(result.errorMessage.contains("was changed by another run"), result.diagnostics)
            #expect(try await remoteJournal()?["lastResult"] as? String == "written-by-another-run", "the other run's record is kept")
            #expect(try await bucket.object(lockKey) == nil, "the lock is released")

            // What terraform created before the stops is in the bucket's state, so a cleanup removes it.
            let cleanup = try await Runner.slinky(["cleanup", "--yes"] + ws.clusterArguments + ["--state-bucket", bucket.name])
            #expect(cleanup.exitCode == 0, cleanup.diagnostics)
        }

        @Test("state push moves a local cluster into the bucket; terraform reads the moved state and later commands use the bucket by themselves")
        func statePushRoundTrip() async throws {
            let bucket = StateBucket()
            let ws = try Workspace(prefix: "push")
            defer { ws.remove() }
            let repository = "it-\(Sandbox.uniqueSuffix())"
            let initBucket = try await Runner.slinky(["state", "init", "--state-bucket", bucket.name])
            try #require(initBucket.exitCode == 0, initBucket.diagnostics)
            let install = try await Runner.slinky(ws.installArguments(repository: repository))
            try #require(install.exitCode == 0, install.diagnostics)
            let localState = "\(ws.stateDirectory)/terraform/terraform.tfstate"
            let before = try stateSummary(try #require(fileBytes(localState)))

            // Pointing the cluster at the bucket without moving it would start a second, empty state: refused.
            let shadow = try await Runner.slinky(ws.installArguments(repository: repository) + ["--state-bucket", bucket.name])
            #expect(shadow.exitCode == 1, shadow.diagnostics)
            #expect(shadow.hint.contains("slinky state push"), shadow.diagnostics)
            #expect(try await bucket.keys(bucket.prefix(ws.cluster)).isEmpty, "nothing was written to the bucket")

            let push = try await Runner.slinky(["state", "push"] + ws.clusterArguments + ["--state-bucket", bucket.name])
            try #require(push.exitCode == 0, push.diagnostics)
            #expect(!FileManager.default.fileExists(atPath: localState), "the local state is moved aside")
            let kept = try FileManager.default.contentsOfDirectory(atPath: "\(ws.stateDirectory)/terraform").filter { $0.hasPrefix("terraform.tfstate.pushed-") }
            #expect(kept.count == 1, "the local copy is kept")
            let remote = try stateSummary(try #require(try await bucket.object(bucket.prefix(ws.cluster) + "terraform.tfstate")))
            #expect(remote.ids == before.ids, "every resource keeps its id in the moved state")

            // Terraform itself, through slinky's workspace, lists the same resources from the bucket.
            let listed = try await Runner.run("/usr/bin/env", [
                "terraform", "-chdir=\(ws.stateDirectory)/terraform/workspace", "state", "list",
            ], environment: ["TF_DATA_DIR": "\(ws.stateDirectory)/terraform/data"])
            #expect(listed.exitCode == 0, listed.diagnostics)
            #expect(Set(listed.stdout.split(separator: "\n").map(String.init)) == before.resources)

            // A second push is a no-op; status and cleanup find the bucket without being told.
            let again = try await Runner.slinky(["state", "push"] + ws.clusterArguments + ["--state-bucket", bucket.name])
            #expect(again.exitCode == 0, again.diagnostics)
            let status = try await Runner.slinky(["status"] + ws.clusterArguments)
            #expect(status.exitCode == 0, status.diagnostics)
            let recordLocation = (status.events.first?["location"] as? String) ?? ""
            #expect(recordLocation.hasPrefix("s3://\(bucket.name)/"), "\(recordLocation)")
            let cleanup = try await Runner.slinky(["cleanup", "--yes"] + ws.clusterArguments)
            #expect(cleanup.exitCode == 0, cleanup.diagnostics)
            let emptied = try stateSummary(try #require(try await bucket.object(bucket.prefix(ws.cluster) + "terraform.tfstate")))
            #expect(emptied.resources.isEmpty, "cleanup destroyed what the moved state held: \(emptied.resources)")
        }
    }
}

/// Resource addresses, and address → id, of a terraform state file.
func stateSummary(_ data: Data) throws -> (ids: [String: String], resources: Set<String>) {
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var addresses: Set<String> = []
    var ids: [String: String] = [:]
    for resource in object["resources"] as? [[String: Any]] ?? [] {
        guard let type = resource["type"] as? String, let name = resource["name"] as? String else { continue }
        let mode = resource["mode"] as? String == "data" ? "data." : ""
        let module = (resource["module"] as? String).map { "\($0)." } ?? ""
        for instance in resource["instances"] as? [[String: Any]] ?? [] {
            var address = "\(module)\(mode)\(type).\(name)"
            if let key = instance["index_key"] as? String { address += "[\"\(key)\"]" } else if let index = instance["index_key"] as? Int { address += "[\(index)]" }
            addresses.insert(address)
            ids[address] = (instance["attributes"] as? [String: Any])?["id"] as? String ?? ""
        }
    }
    return (ids, addresses)
}

/// Managed resources whose `tags_all` lacks slinky's two tags.
func untaggedResources(_ data: Data, cluster: String) throws -> (tagged: Int, missing: [String]) {
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var tagged = 0
    var missing: [String] = []
    for resource in object["resources"] as? [[String: Any]] ?? [] where resource["mode"] as? String == "managed" {
        for instance in resource["instances"] as? [[String: Any]] ?? [] {
            guard let attributes = instance["attributes"] as? [String: Any], let tags = attributes["tags_all"] as? [String: String] else { continue }
            if tags["slinky:cluster"] == cluster && tags["managed-by"] == "slinky" {
                tagged += 1
            } else {
                missing.append("\(resource["module"] as? String ?? "").\(resource["type"] ?? "").\(resource["name"] ?? "")")
            }
        }
    }
    return (tagged, missing)
}
