import Foundation

/// The external programs slinky drives, and how to get each one.
public enum ToolCatalog {
    public struct Tool: Sendable {
        public var name: String
        public var versionArguments: [String]
        public var installHint: String
    }

    public static let aws = Tool(
        name: "aws", versionArguments: ["--version"],
        installHint: "install the AWS CLI (v1 or v2): https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html")
    public static let terraform = Tool(
        name: "terraform", versionArguments: ["version"],
        installHint: "install terraform 1.5 or later: https://developer.hashicorp.com/terraform/install")
    public static let docker = Tool(
        name: "docker", versionArguments: ["--version"],
        installHint: "install Docker (Docker Desktop, or the docker.io package on Debian/Ubuntu), or pass --skip-build to use an image already in ECR")
    public static let kubectl = Tool(
        name: "kubectl", versionArguments: ["version", "--client"],
        installHint: "install kubectl: https://kubernetes.io/docs/tasks/tools/")

    public static let helm = Tool(
        name: "helm", versionArguments: ["version", "--short"],
        installHint: "install helm 3 or 4: https://helm.sh/docs/intro/install/")

    public static let all = [aws, terraform, docker, kubectl, helm]

    public static func installHint(for tool: String) -> String {
        all.first { $0.name == (tool as NSString).lastPathComponent }?.installHint ?? ProcessRunner.genericInstallHint(tool)
    }

    /// The first line of a version banner, which is all anyone needs in a log ("Terraform v1.11.4").
    public static func firstVersionLine(_ output: String) -> String {
        output.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
