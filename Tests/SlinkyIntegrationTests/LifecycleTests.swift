import Foundation
import Testing

/// Every integration test shares one moto, one registry and one dockerd, and the machine has two cores:
/// they run one at a time.
@Suite("slinky against the local sandbox", .serialized,
       .enabled(if: Sandbox.isAvailable, "needs the sandbox and SLINKY_BINARY; scripts/test provides both"))
struct SandboxTests {}

extension SandboxTests {
    @Suite("Install, re-run, concurrency, tag change, status and cleanup of one cluster")
    struct Lifecycle {
        @Test("a full install builds, pushes, keys, edits the blueprint and applies terraform; a re-run changes nothing; cleanup twice succeeds")
        func fullLifecycle() async throws {
            let ws = try Workspace(prefix: "life")
            defer { ws.remove() }
            let repository = "it-\(Sandbox.uniqueSuffix())"
            let originalBlueprint = try String(contentsOfFile: ws.blueprint, encoding: .utf8)

            // 1. First install, from nothing; the login range comes from the flag, not the blueprint's.
            let first = try await Runner.slinky(ws.installArguments(repository: repository) + ["--allow-cidr", "198.51.100.0/24"])
            try #require(first.exitCode == 0, first.diagnostics)
            for step in ["ecr-repository", "image", "ssh-key", "blueprint", "terraform-init", "terraform-vpc", "terraform-eks", "terraform-apply", "access"] {
                #expect(first.outcomes[step] == "done", "step \(step) on first install")
            }
            let image = first.outputs(of: "image")
            let digest = try #require(image["digest"])
            #expect(digest.hasPrefix("sha256:"))
            #expect(image["built"] == "yes")

            // ECR's own API agrees with what slinky recorded.
            let (describeStatus, described) = try await Runner.aws([
                "ecr", "describe-images", "--repository-name", repository, "--image-ids", "imageTag=v1",
            ])
            #expect(describeStatus == 0)
            let details = described["imageDetails"] as? [[String: Any]]
            #expect(details?.first?["imageDigest"] as? String == digest)

            // The key is private, and OpenSSH accepts it.
            let attributes = try FileManager.default.attributesOfItem(atPath: ws.sshKey)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let derived = try await Runner.run("/usr/bin/ssh-keygen", ["-y", "-f", ws.sshKey])
            #expect(derived.exitCode == 0, derived.diagnostics)
            let publicLine = try String(contentsOfFile: ws.sshKey + ".pub", encoding: .utf8)
            #expect(publicLine.hasPrefix(derived.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(publicLine.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(" slurm-login"))

            // The blueprint holds the three values and every other line as it was.
            let edited = try String(contentsOfFile: ws.blueprint, encoding: .utf8)
            let managed = ["image_repository", "image_tag", "image_digest", "ssh_key", "login_allow_cidr"]
            func unmanaged(_ text: String) -> [String] {
                text.components(separatedBy: "\n").filter { line in !managed.contains { line.hasPrefix($0) } }
            }
            #expect(unmanaged(edited) == unmanaged(originalBlueprint))
            #expect(edited.contains("image_tag        = \"v1\"") || edited.contains("image_tag = \"v1\""))

            // Real terraform read the values back from the blueprint.
            let tf = first.outputs(of: "terraform-apply")
            #expect(tf["image_repository"] == image["repository_uri"])
            #expect(tf["image_tag"] == "v1")
            #expect(tf["image_digest"] == digest, "nodes are deployed by the digest that was pushed")
            #expect(tf["ssh_key"] == publicLine.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(tf["cluster_name"] == ws.cluster)
            #expect(tf["login_allow_cidr"] == "198.51.100.0/24")

            // The Kubernetes layer was evaluated against the real AWS outputs; the sandbox blueprint stops
            // there (deploy_kubernetes_layer = false: moto's EKS has no API server).
            #expect(first.outcomes["kubernetes"] == "skipped")
            let kubernetes = first.outputs(of: "kubernetes")
            #expect(kubernetes["releases"]?.hasSuffix("slurm-operator, slurm") == true, "\(kubernetes)")
            #expect(kubernetes["installed"]?.hasPrefix("no") == true)
            let lbcValues = try String(
                contentsOfFile: "\(ws.stateDirectory)/kubernetes/plan.tfstate", encoding: .utf8)
            #expect(lbcValues.contains(tf["vpc_id"] ?? "no vpc id"), "the real VPC id reaches the load balancer controller's values")
            #expect(!lbcValues.contains("vpc-placeholder"))

            // The registry password went over stdin only: no log, journal or other state file holds it.
            let password = try await Runner.run("/usr/bin/env", ["aws", "ecr", "get-login-password"])
            let secret = password.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!secret.isEmpty)
            let grep = try await Runner.run("/usr/bin/env", ["grep", "-rlF", secret, ws.stateDirectory])
            #expect(grep.exitCode == 1, "files holding the registry password: \(grep.stdout)")
            #expect(try logText(ws, step: "image").contains("--password-stdin"))

            // 2. A re-run verifies and changes nothing: no build, no apply, no rewrite, state untouched.
            let stateFile = "\(ws.stateDirectory)/terraform/terraform.tfstate"
            let stateBefore = try #require(fileBytes(stateFile))
            let blueprintModified = try FileManager.default.attributesOfItem(atPath: ws.blueprint)[.modificationDate] as? Date
            let second = try await Runner.slinky(ws.installArguments(repository: repository))
            try #require(second.exitCode == 0, second.diagnostics)
            for step in ["ecr-repository", "image", "ssh-key", "blueprint", "terraform-init", "terraform-vpc", "terraform-eks", "terraform-apply", "kubernetes"] {
                #expect(second.outcomes[step] == "up-to-date", "step \(step) on the re-run")
            }
            #expect(fileBytes(stateFile) == stateBefore, "terraform state must not change on a no-op re-run")
            #expect(try FileManager.default.attributesOfItem(atPath: ws.blueprint)[.modificationDate] as? Date == blueprintModified)
            // The re-run did not start the aws CLI for a version it already had (the same executable answered
            // the first run), yet recorded the same one.
            #expect(try logText(ws, step: "preflight").contains("(remembered: the same executable gave this answer before)"))
            #expect(second.outputs(of: "preflight")["aws"] == first.outputs(of: "preflight")["aws"])
            // Nor STS: the image check's describe-images, answered from the recorded account, proved the identity.
            let identityLog = try logText(ws, step: "identity")
            #expect(identityLog.contains("STS was not asked") && !identityLog.contains("sts get-caller-identity"), "\(identityLog)")
            #expect(second.outputs(of: "identity")["account"] == first.outputs(of: "identity")["account"])
            #expect(second.outputs(of: "identity")["arn"] == first.outputs(of: "identity")["arn"])

            // The kubeconfig slinky wrote from terraform's outputs is the one `aws eks update-kubeconfig` writes
            // (compared as kubectl reads them).
            let written = "\(ws.stateDirectory)/kubeconfig"
            #expect((try FileManager.default.attributesOfItem(atPath: written)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let reference = ws.root + "/kubeconfig-by-aws"
            let update = try await Runner.run("/usr/bin/env", ["aws", "eks", "update-kubeconfig", "--name", ws.cluster, "--kubeconfig", reference])
            try #require(update.exitCode == 0, update.diagnostics)
            let ours = try await Runner.run("/usr/bin/env", ["kubectl", "config", "view", "--raw", "-o", "json", "--kubeconfig", written])
            let theirs = try await Runner.run("/usr/bin/env", ["kubectl", "config", "view", "--raw", "-o", "json", "--kubeconfig", reference])
            try #require(ours.exitCode == 0 && theirs.exitCode == 0, "\(ours.diagnostics)\n\(theirs.diagnostics)")
            func parsed(_ text: String) -> NSDictionary? {
                try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
            }
            #expect(parsed(ours.stdout) != nil && parsed(ours.stdout) == parsed(theirs.stdout), "ours:\n\(ours.stdout)\ntheirs:\n\(theirs.stdout)")

            // 3. A second run while one is working is refused at once, naming the holder.
            let (background, out, err) = try Runner.start(
                try #require(Sandbox.binary), ws.installArguments(repository: repository) + ["--reconcile"],
                currentDirectory: Sandbox.projectRoot)
            let lockPath = "\(ws.stateDirectory)/lock"
            let holding = try await waitUntil(timeout: 60) {
                (try? String(contentsOfFile: lockPath, encoding: .utf8))?.contains("\"pid\":\(background.processIdentifier)") ?? false
            }
            #expect(holding, "the background run should take the lock")
            let refused = try await Runner.slinky(ws.installArguments(repository: repository))
            #expect(refused.exitCode == 75, refused.diagnostics)
            #expect(refused.errorMessage.contains("PID \(background.processIdentifier)"), refused.diagnostics)
            let reconciled = await Runner.finish(background, out, err)
            #expect(reconciled.exitCode == 0, reconciled.diagnostics)

            // 4. A new tag redoes the image, the blueprint and the full apply, not the repository.
            let retag = try await Runner.slinky(ws.installArguments(repository: repository, tag: "v2"))
            try #require(retag.exitCode == 0, retag.diagnostics)
            #expect(retag.outcomes["ecr-repository"] == "up-to-date")
            #expect(retag.outcomes["image"] == "done")
            #expect(retag.outcomes["blueprint"] == "done")
            #expect(retag.outcomes["terraform-apply"] == "done")
            #expect(retag.outputs(of: "terraform-apply")["image_tag"] == "v2")

            // 5. status: installed, with the key outputs.
            let status = try await Runner.slinky(["status"] + ws.clusterArguments)
            #expect(status.exitCode == 0, status.diagnostics)
            let statusObject = try #require(status.events.first)
            #expect(statusObject["installed"] as? Bool == true)

            // What the AWS load balancer controller would leave behind, tagged the way it tags them.
            let vpc = try #require(first.outputs(of: "terraform-apply")["vpc_id"])
            let leftovers = try await Leftovers.create(cluster: ws.cluster, vpc: vpc)

            // 6. cleanup removes the cluster's AWS resources; a second cleanup succeeds and changes nothing.
            let cleanup = try await Runner.slinky(["cleanup"] + ws.clusterArguments + ["--yes"])
            try #require(cleanup.exitCode == 0, cleanup.diagnostics)
            let (_, vpcs) = try await Runner.aws(["ec2", "describe-vpcs", "--filters", "Name=tag:slinky:cluster,Values=\(ws.cluster)"])
            #expect((vpcs["Vpcs"] as? [Any])?.isEmpty ?? false, "no VPC of the cluster may remain")
            let (clusterStatus, _) = try await Runner.aws(["eks", "describe-cluster", "--name", ws.cluster])
            #expect(clusterStatus != 0, "the EKS cluster must be gone")
            let (_, subnets) = try await Runner.aws(["ec2", "describe-subnets", "--filters", "Name=tag:slinky:cluster,Values=\(ws.cluster)"])
            #expect((subnets["Subnets"] as? [Any])?.isEmpty ?? false, "no subnet of the cluster may remain")
            let (_, roles) = try await Runner.aws(["iam", "list-roles"])
            let clusterRoles = (roles["Roles"] as? [[String: Any]] ?? []).compactMap { $0["RoleName"] as? String }
                .filter { $0.hasPrefix(ws.cluster + "-") }
            #expect(clusterRoles.isEmpty, "IAM roles of the cluster left: \(clusterRoles)")
            let (_, buckets) = try await Runner.aws(["s3api", "list-buckets"])
            let clusterBuckets = (buckets["Buckets"] as? [[String: Any]] ?? []).compactMap { $0["Name"] as? String }
                .filter { $0.contains(ws.cluster) }
            #expect(clusterBuckets.isEmpty, "buckets of the cluster left: \(clusterBuckets)")

            try await leftovers.expectGone()

            let again = try await Runner.slinky(["cleanup"] + ws.clusterArguments + ["--yes"])
            #expect(again.exitCode == 0, again.diagnostics)
            for (step, outcome) in again.outcomes where step.hasPrefix("destroy-") || step == "sweep" {
                #expect(outcome == "up-to-date", "cleanup step \(step) on the second cleanup")
            }

            let gone = try await Runner.slinky(["status"] + ws.clusterArguments)
            #expect(gone.exitCode == 3, gone.diagnostics)
        }
    }
}

/// A load balancer, target group and security group tagged `elbv2.k8s.aws/cluster`, an available ENI, a
/// volume the EBS CSI driver would have made, and a second tagged group whose rule names the first.
struct Leftovers {
    var loadBalancer: String
    var targetGroup: String
    var securityGroup: String
    var networkInterface: String
    var volume: String
    var referencingGroup: String

    static func create(cluster: String, vpc: String) async throws -> Leftovers {
        let tag = "Key=elbv2.k8s.aws/cluster,Value=\(cluster)"
        let (_, subnets) = try await Runner.aws(["ec2", "describe-subnets", "--filters", "Name=vpc-id,Values=\(vpc)"])
        let subnetIDs = (subnets["Subnets"] as? [[String: Any]] ?? []).compactMap { $0["SubnetId"] as? String }
        try #require(subnetIDs.count >= 2, "the VPC should have subnets")
        let (lbStatus, lb) = try await Runner.aws(
            ["elbv2", "create-load-balancer", "--name", "k8s-slurm-login-\(Sandbox.uniqueSuffix())", "--type", "network",
             "--scheme", "internet-facing", "--subnets"] + Array(subnetIDs.prefix(2)) + ["--tags", tag])
        try #require(lbStatus == 0)
        let (tgStatus, tg) = try await Runner.aws(
            ["elbv2", "create-target-group", "--name", "k8s-slurm-\(Sandbox.uniqueSuffix())", "--protocol", "TCP", "--port", "22",
             "--vpc-id", vpc, "--target-type", "ip", "--tags", tag])
        try #require(tgStatus == 0)
        let (sgStatus, sg) = try await Runner.aws(
            ["ec2", "create-security-group", "--group-name", "k8s-elb-\(Sandbox.uniqueSuffix())", "--description", "left by the controller",
             "--vpc-id", vpc, "--tag-specifications",
             "ResourceType=security-group,Tags=[{Key=elbv2.k8s.aws/cluster,Value=\(cluster)}]"])
        try #require(sgStatus == 0)
        let (eniStatus, eni) = try await Runner.aws(["ec2", "create-network-interface", "--subnet-id", subnetIDs[0]])
        try #require(eniStatus == 0)
        let (_, described) = try await Runner.aws(["ec2", "describe-subnets", "--subnet-ids", subnetIDs[0]])
        let zone = try #require((described["Subnets"] as? [[String: Any]])?.first?["AvailabilityZone"] as? String)
        let (volumeStatus, volume) = try await Runner.aws(
            ["ec2", "create-volume", "--availability-zone", zone, "--size", "1", "--tag-specifications",
             "ResourceType=volume,Tags=[{Key=kubernetes.io/cluster/\(cluster),Value=owned}]"])
        try #require(volumeStatus == 0)
        let groupID = try #require(sg["GroupId"] as? String)
        let (otherStatus, other) = try await Runner.aws(
            ["ec2", "create-security-group", "--group-name", "k8s-shared-\(Sandbox.uniqueSuffix())", "--description", "names the other",
             "--vpc-id", vpc, "--tag-specifications",
             "ResourceType=security-group,Tags=[{Key=elbv2.k8s.aws/cluster,Value=\(cluster)}]"])
        try #require(otherStatus == 0)
        let otherID = try #require(other["GroupId"] as? String)
        let (ruleStatus, _) = try await Runner.aws(
            ["ec2", "authorize-security-group-ingress", "--group-id", otherID, "--protocol", "tcp", "--port", "22",
             "--source-group", groupID])
        try #require(ruleStatus == 0)
        return Leftovers(
            loadBalancer: try #require((lb["LoadBalancers"] as? [[String: Any]])?.first?["LoadBalancerArn"] as? String),
            targetGroup: try #require((tg["TargetGroups"] as? [[String: Any]])?.first?["TargetGroupArn"] as? String),
            securityGroup: groupID,
            networkInterface: try #require((eni["NetworkInterface"] as? [String: Any])?["NetworkInterfaceId"] as? String),
            volume: try #require(volume["VolumeId"] as? String),
            referencingGroup: otherID)
    }

    func expectGone() async throws {
        let (lbStatus, _) = try await Runner.aws(["elbv2", "describe-load-balancers", "--load-balancer-arns", loadBalancer])
        #expect(lbStatus != 0, "the tagged load balancer must be swept")
        let (tgStatus, _) = try await Runner.aws(["elbv2", "describe-target-groups", "--target-group-arns", targetGroup])
        #expect(tgStatus != 0, "the tagged target group must be swept")
        let (sgStatus, _) = try await Runner.aws(["ec2", "describe-security-groups", "--group-ids", securityGroup])
        #expect(sgStatus != 0, "the tagged security group must be swept")
        let (eniStatus, _) = try await Runner.aws(["ec2", "describe-network-interfaces", "--network-interface-ids", networkInterface])
        #expect(eniStatus != 0, "the available ENI must be swept")
        let (volumeStatus, _) = try await Runner.aws(["ec2", "describe-volumes", "--volume-ids", volume])
        #expect(volumeStatus != 0, "the cluster's detached volume must be swept")
        let (otherStatus, _) = try await Runner.aws(["ec2", "describe-security-groups", "--group-ids", referencingGroup])
        #expect(otherStatus != 0, "a tagged group whose rule names another tagged group must be swept too")
    }
}
