import Foundation
import Synchronization
import Testing
@testable import SlinkyCore

/// terraform/kubernetes evaluated for real (terraform, offline: the layer has no provider).
@Suite("Kubernetes layer: what render and install deploy")
struct KubernetesLayerTests {
    let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))

    func plan(blueprint: String = "blueprints/blueprint.tfvars", extra: String = "", awsOutputs: String? = nil) async throws -> DeploymentPlan {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var text = try String(contentsOfFile: "\(packageRoot)/\(blueprint)", encoding: .utf8)
        text += "\n" + extra + "\n"
        try text.write(toFile: dir.file("blueprint.tfvars"), atomically: true, encoding: .utf8)
        let layer = KubernetesLayer(
            runner: runner, projectDirectory: packageRoot, workDirectory: dir.file("work"),
            blueprintPath: dir.file("blueprint.tfvars"), cluster: "render-test", region: "us-west-2")
        return try await layer.plan(awsOutputs: awsOutputs, log: StepLog(path: dir.file("log"), stepID: "k", events: nil))
    }

    func position(_ plan: DeploymentPlan, _ name: String) -> Int {
        plan.releases.firstIndex { $0.name == name } ?? -1
    }

    @Test("every release comes after what it needs: CRDs, webhooks, the PriorityClass and the database before Slurm")
    func releasesAreInDependencyOrder() async throws {
        let plan = try await plan()
        #expect(plan.releases.count == 12)
        #expect(position(plan, "cert-manager") < position(plan, "slurm-operator"))
        #expect(position(plan, "karpenter") < position(plan, "slinky-aws"))  // NodePool needs Karpenter's CRDs
        #expect(position(plan, "kube-prometheus-stack") < position(plan, "slurm"))  // ServiceMonitor CRD
        #expect(position(plan, "slurm-operator-crds") < position(plan, "slurm-operator"))
        #expect(position(plan, "slinky-aws") < position(plan, "slurm"))  // PriorityClass, MariaDB
        #expect(position(plan, "slurm") == plan.releases.count - 1)
        #expect(plan.deploy)
        #expect(plan.slinkyVersion == "0.4.1")
        #expect(plan.secrets.map(\.name) == ["slurm-mariadb"])
    }

    @Test("before install every value only AWS knows is a placeholder, and the plan says so")
    func placeholdersBeforeInstall() async throws {
        let plan = try await plan()
        #expect(plan.placeholders.contains { $0.contains("aws layer outputs") })
        let controller = try #require(plan.releases.first { $0.name == "aws-load-balancer-controller" })
        #expect(controller.valuesYAML.contains("vpc-placeholder"))
    }

    @Test("with the AWS layer's outputs the real values replace the placeholders")
    func realOutputsAfterInstall() async throws {
        let outputs = #"""
            {"vpc_id": {"sensitive": false, "type": "string", "value": "vpc-0abc"},
             "cluster_name": {"sensitive": false, "type": "string", "value": "render-test"},
             "lb_controller_role_arn": {"sensitive": false, "type": "string", "value": "arn:aws:iam::111122223333:role/lbc"},
             "access_entries_enabled": {"sensitive": false, "type": "bool", "value": true},
             "fsx": {"sensitive": false, "type": "object", "value": {"enabled": false}},
             "cluster_certificate_authority_data": {"sensitive": true, "type": "string", "value": "secret-ca"}}
            """#
        let plan = try await plan(extra: #"login_allow_cidr = "203.0.113.7/32""#, awsOutputs: outputs)
        let controller = try #require(plan.releases.first { $0.name == "aws-load-balancer-controller" })
        #expect(controller.valuesYAML.contains("vpc-0abc"))
        #expect(controller.valuesYAML.contains("arn:aws:iam::111122223333:role/lbc"))
        #expect(!plan.placeholders.contains { $0.contains("aws layer outputs") })
        #expect(plan.releases.allSatisfy { !$0.valuesYAML.contains("secret-ca") })
    }

    @Test("the sandbox blueprint evaluates the layer but does not deploy it")
    func sandboxDoesNotDeploy() async throws {
        let plan = try await plan(blueprint: "blueprints/sandbox.tfvars")
        #expect(!plan.deploy)
        #expect(!plan.releases.isEmpty)
    }

    @Test("spot capacity and the GPU disk size reach the NodePool's chart")
    func spotAndDiskSize() async throws {
        let plan = try await plan(extra: #"""
            gpu_capacity_types = ["spot", "on-demand"]
            gpu_node_disk_size = "800Gi"
            """#)
        let aws = try #require(plan.releases.first { $0.name == "slinky-aws" })
        #expect(aws.valuesYAML.contains("\"spot\""))
        #expect(aws.valuesYAML.contains("800Gi"))
    }

    @Test("Slinky 1.2.1 gets the 1.x values shape: nodesetDefaults-based nodeset, login service metadata, slurmctld metrics")
    func slinkyOneShape() async throws {
        let plan = try await plan(extra: #"slinky_version = "1.2.1""#)
        let slurm = try #require(plan.releases.first { $0.name == "slurm" })
        #expect(slurm.version == "1.2.1")
        #expect(slurm.valuesYAML.contains("\"metrics\""))
        #expect(slurm.valuesYAML.contains("aws-load-balancer-scheme"))
        #expect(!slurm.valuesYAML.contains("slurm-exporter"))
        let aws = try #require(plan.releases.first { $0.name == "slinky-aws" })
        // 1.x carries the login NLB in its own service; the extra service is off.
        #expect(aws.valuesYAML.contains("\"loginService\":\n  \"enabled\": false") || aws.valuesYAML.contains("\"enabled\": false\n  \"external_traffic_policy\""))
    }

    @Test("terraform refuses a Slinky release that does not match the image's Slurm release")
    func mismatchedSlurmRefused() async throws {
        await #expect(throws: SlinkyError.self) {
            _ = try await plan(extra: #"""
                slinky_version = "1.2.1"
                image_tag      = "25.05.0-ubuntu24.04"
                """#)
        }
    }
}

@Suite("Slinky release and image check")
struct SlinkyVersionTests {
    @Test("a Slinky release is refused with an image of another Slurm release; a custom tag cannot be told and passes")
    func check() throws {
        #expect(throws: SlinkyError.self) { try SlinkyVersions.check(blueprintPath: "b", slinkyVersion: "1.2.1", imageTag: "25.05.0-ubuntu24.04") }
        #expect(throws: SlinkyError.self) { try SlinkyVersions.check(blueprintPath: "b", slinkyVersion: "0.9.9", imageTag: "") }
        try SlinkyVersions.check(blueprintPath: "b", slinkyVersion: nil, imageTag: "25.05.0-ubuntu24.04")
        try SlinkyVersions.check(blueprintPath: "b", slinkyVersion: "1.2.1", imageTag: "26.05.1-ubuntu24.04")
        try SlinkyVersions.check(blueprintPath: "b", slinkyVersion: "1.2.1", imageTag: "my-build")
        #expect(SlinkyVersions.slurmRelease(ofTag: "25.05-test") == "25.05")
        #expect(SlinkyVersions.slurmRelease(ofTag: "latest") == nil)
    }
}

@Suite("Charts and the render folder")
struct ChartSourceTests {
    @Test("an offline chart is found by its Chart.yaml name and version, never inside another chart's charts/")
    func findsChartByNameAndVersion() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.file("a/slurm/charts/slurm-exporter"), withIntermediateDirectories: true)
        try "apiVersion: v2\nname: slurm\nversion: 0.4.1\n".write(toFile: dir.file("a/slurm/Chart.yaml"), atomically: true, encoding: .utf8)
        try "name: slurm-exporter\nversion: 0.4.0\n".write(toFile: dir.file("a/slurm/charts/slurm-exporter/Chart.yaml"), atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir.file("b/cert-manager"), withIntermediateDirectories: true)
        try "name: \"cert-manager\"\nversion: v1.17.2 # pinned\n".write(toFile: dir.file("b/cert-manager/Chart.yaml"), atomically: true, encoding: .utf8)
        #expect(ChartSource.findChart(named: "slurm", version: "0.4.1", under: dir.path) == dir.file("a/slurm"))
        #expect(ChartSource.findChart(named: "slurm", version: "1.2.1", under: dir.path) == nil)
        #expect(ChartSource.findChart(named: "slurm-exporter", version: "0.4.0", under: dir.path) == nil)
        #expect(ChartSource.findChart(named: "cert-manager", version: "v1.17.2", under: dir.path) == dir.file("b/cert-manager"))
    }

    @Test("render refuses a folder holding someone else's files, and replaces only its own in an earlier render")
    func outputFolderIsNeverSomeoneElses() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))
        let renderer = ManifestRenderer(runner: runner, charts: ChartSource(runner: runner, layerDirectory: dir.path, offlineDirectory: nil, cacheDirectory: dir.file("cache")))
        try FileManager.default.createDirectory(atPath: dir.file("mine"), withIntermediateDirectories: true)
        try "keep me".write(toFile: dir.file("mine/notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: SlinkyError.self) { try renderer.prepare(dir.file("mine")) }
        #expect(FileManager.default.fileExists(atPath: dir.file("mine/notes.txt")))

        try FileManager.default.createDirectory(atPath: dir.file("old/releases"), withIntermediateDirectories: true)
        try "{}".write(toFile: dir.file("old/render.json"), atomically: true, encoding: .utf8)
        try "stale".write(toFile: dir.file("old/releases/01-gone.yaml"), atomically: true, encoding: .utf8)
        try "kept".write(toFile: dir.file("old/README.md"), atomically: true, encoding: .utf8)
        try renderer.prepare(dir.file("old"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("old/releases/01-gone.yaml")))
        #expect(FileManager.default.fileExists(atPath: dir.file("old/README.md")))
    }

    @Test("a rendered Secret carries its keys but no value")
    func secretPlaceholderHasNoValue() {
        let text = ManifestRenderer.placeholderSecret(GeneratedSecret(namespace: "slurm", name: "db", keys: ["password", "root-password"]))
        #expect(text.contains("password: \"<generated at install>\""))
        #expect(text.contains("root-password: \"<generated at install>\""))
        #expect(text.contains("kind: Secret"))
    }
}

/// A hand-written fake of the ClusterAPI seam (no API server can run here): it records what it was asked.
final class RecordingClusterAPI: ClusterAPI {
    let calls = Mutex<[String]>([])
    let existingSecrets: Set<String>

    init(existingSecrets: Set<String> = []) { self.existingSecrets = existingSecrets }

    func loginHostname(log: StepLog) async throws -> String? { nil }
    func releaseControllerResources(log: StepLog) async throws -> [String] { [] }
    func createSecretIfMissing(_ secret: GeneratedSecret, values: [String: Secret], log: StepLog) async throws -> Bool {
        calls.withLock { $0.append("secret \(secret.name) keys=\(values.keys.sorted()) lengths=\(values.values.map(\.value.count))") }
        return !existingSecrets.contains(secret.name)
    }
    func apply(object json: String, log: StepLog) async throws { calls.withLock { $0.append("apply \(json.count)") } }
    func install(_ release: HelmRelease, chartDirectory: String, valuesPath: String, log: StepLog) async throws {
        let values = (try? String(contentsOfFile: valuesPath, encoding: .utf8)) ?? ""
        calls.withLock { $0.append("install \(release.name) from \(chartDirectory) values=\(values == release.valuesYAML)") }
    }
}

@Suite("Deploying a plan (through a recording fake of the ClusterAPI seam)")
struct KubernetesDeployerTests {
    @Test("secrets first (32-character generated values), then objects, then releases in plan order with their exact values")
    func deploysInOrder() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let release = { (name: String) in
            HelmRelease(name: name, namespace: "ns", repository: "oci://r", chart: name, version: "1", valuesYAML: "\(name): true\n", wait: true, timeoutSeconds: 60)
        }
        let plan = DeploymentPlan(
            releases: [release("first"), release("second")], secrets: [GeneratedSecret(namespace: "slurm", name: "db", keys: ["password", "root-password"])],
            objects: [#"{"kind":"ConfigMap"}"#], placeholders: [], kubernetesVersion: "1.35", slinkyVersion: "0.4.1",
            slurmNamespace: "slurm", deploy: true)
        let api = RecordingClusterAPI()
        try await KubernetesDeployer(api: api).deploy(
            plan, chartDirectories: ["first": "/c/first", "second": "/c/second"], valuesDirectory: dir.file("values"),
            log: StepLog(path: dir.file("log"), stepID: "k", events: nil), progress: { _ in })
        #expect(api.calls.withLock { $0 } == [
            "secret db keys=[\"password\", \"root-password\"] lengths=[32, 32]",
            "apply 20",
            "install first from /c/first values=true",
            "install second from /c/second values=true",
        ])
        let log = try String(contentsOfFile: dir.file("log"), encoding: .utf8)
        #expect(log.contains("secret slurm/db: created"))
    }

    @Test("two generated passwords differ")
    func passwordsAreRandom() {
        #expect(KubernetesDeployer.generatedPassword() != KubernetesDeployer.generatedPassword())
    }
}
