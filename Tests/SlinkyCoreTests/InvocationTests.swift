import Foundation
import Testing
@testable import SlinkyCore

private let runner = ProcessRunner(redactor: Redactor(), interrupts: InterruptController(onNotice: { _ in }))

private func terraform(profile: String? = "dev") -> Terraform {
    Terraform(
        runner: runner, stackDirectory: "/checkout/terraform/aws", dataDirectory: "/state/c1/terraform-data",
        statePath: "/state/c1/terraform.tfstate", blueprintPath: "/checkout/blueprints/blueprint.tfvars",
        cluster: "c1", region: "eu-west-1", profile: profile)
}

@Suite("Terraform invocations")
struct TerraformInvocationTests {
    @Test("apply and destroy carry -chdir, -input=false, the blueprint, name, region, lock timeout and the target",
          arguments: ["apply", "destroy"])
    func targeted(verb: String) {
        let tf = terraform()
        let invocation = verb == "apply" ? tf.apply(target: "module.vpc") : tf.destroy(target: "module.vpc")
        let args = invocation.arguments
        #expect(invocation.tool == "terraform")
        #expect(args.first == "-chdir=/checkout/terraform/aws")
        #expect(args.dropFirst().first == verb)
        #expect(args.contains("-input=false"))
        #expect(args.contains("-auto-approve"))
        #expect(args.contains("-var-file=/checkout/blueprints/blueprint.tfvars"))
        #expect(containsRun(args, ["-var", "name=c1"]))
        #expect(containsRun(args, ["-var", "region=eu-west-1"]))
        #expect(args.contains("-lock-timeout=10m"))
        #expect(args.filter { $0.hasPrefix("-target=") } == ["-target=module.vpc"])
        #expect(invocation.environment["TF_DATA_DIR"] == .some("/state/c1/terraform-data"))
        #expect(invocation.environment["AWS_REGION"] == .some("eu-west-1"))
        #expect(invocation.environment["AWS_PROFILE"] == .some("dev"))
        #expect(invocation.standardInput == nil)
    }

    @Test("without a target there is no -target, and without a profile no AWS_PROFILE")
    func untargeted() {
        let tf = terraform(profile: nil)
        for invocation in [tf.apply(target: nil), tf.destroy(target: nil), tf.plan(target: nil)] {
            #expect(!invocation.arguments.contains { $0.hasPrefix("-target") })
            #expect(invocation.environment["AWS_PROFILE"] == nil)
            #expect(invocation.environment["TF_DATA_DIR"] == .some("/state/c1/terraform-data"))
        }
    }

    @Test("plan asks for -detailed-exitcode so 2 can mean changes pending")
    func plan() {
        let args = terraform().plan(target: "module.eks").arguments
        #expect(args.dropFirst().first == "plan")
        #expect(args.contains("-detailed-exitcode"))
        #expect(args.contains("-input=false"))
        #expect(args.contains("-target=module.eks"))
        #expect(!args.contains("-auto-approve"))
    }

    @Test("init points the backend at this cluster's state file, with -chdir, -input=false and TF_DATA_DIR")
    func initialize() {
        let invocation = terraform().initialize
        #expect(invocation.arguments.first == "-chdir=/checkout/terraform/aws")
        #expect(invocation.arguments.dropFirst().first == "init")
        #expect(invocation.arguments.contains("-input=false"))
        #expect(invocation.arguments.contains("-backend-config=path=/state/c1/terraform.tfstate"))
        #expect(invocation.environment["TF_DATA_DIR"] == .some("/state/c1/terraform-data"))
    }

    @Test("terraform's boxed diagnostics are reduced to the error lines")
    func errorLines() {
        let lines = [
            "Refreshing state...", "╷", "│ Error: creating EKS Cluster (c1): ResourceInUseException",
            "│ ", "│   with module.eks.aws_eks_cluster.this,", "╵",
        ]
        #expect(Terraform.errorLines(lines) == [
            "Error: creating EKS Cluster (c1): ResourceInUseException", "with module.eks.aws_eks_cluster.this,",
        ])
    }
}

@Suite("AWS CLI invocations")
struct AWSCLIInvocationTests {
    @Test("every call ends with --region and --output json, and has no --profile when none is set")
    func withoutProfile() {
        let aws = AWSCLI(runner: runner, region: "us-east-1", profile: nil)
        let invocation = aws.invocation(["sts", "get-caller-identity"])
        #expect(invocation.tool == "aws")
        #expect(invocation.arguments == ["sts", "get-caller-identity", "--region", "us-east-1", "--output", "json"])
        #expect(!invocation.arguments.contains("--profile"))
    }

    @Test("a profile adds --profile once, and an override region replaces the default")
    func withProfile() {
        let aws = AWSCLI(runner: runner, region: "us-east-1", profile: "dev")
        let invocation = aws.invocation(["ecr", "get-login-password"], region: "eu-west-1")
        let args = invocation.arguments
        #expect(Array(args.prefix(2)) == ["ecr", "get-login-password"])
        #expect(containsRun(args, ["--region", "eu-west-1", "--output", "json"]))
        #expect(!args.contains("us-east-1"))
        #expect(args.filter { $0 == "--profile" }.count == 1)
        #expect(containsRun(args, ["--profile", "dev"]))
        #expect(args.filter { $0 == "--region" }.count == 1)
    }

    @Test("the service's error code is read from the CLI's error line")
    func failureCode() {
        let aws = AWSCLI(runner: runner, region: "us-east-1", profile: nil)
        let result = ProcessResult(
            exitCode: 254, signal: nil, standardOutput: "",
            standardErrorTail: [
                "",
                "An error occurred (RepositoryNotFoundException) when calling the DescribeRepositories operation: The repository with name 'x' does not exist in the registry with id '123456789012'",
            ])
        let failure = AWSFailure(invocation: aws.invocation(["ecr", "describe-repositories"]), result: result, logPath: "/tmp/log")
        #expect(failure.code == "RepositoryNotFoundException")
        #expect(!failure.isCredentialProblem)
        guard case .commandFailed(let command) = failure.asError else {
            Issue.record("expected commandFailed")
            return
        }
        #expect(command.exitDescription == "exited with status 254")
        #expect(command.logPath == "/tmp/log")
        #expect(command.summary.contains("RepositoryNotFoundException"))
    }

    @Test("stderr without an AWS error line has no code")
    func noCode() {
        let result = ProcessResult(exitCode: 255, signal: nil, standardOutput: "", standardErrorTail: ["Could not connect to the endpoint URL"])
        let failure = AWSFailure(invocation: Invocation("aws", []), result: result, logPath: nil)
        #expect(failure.code == nil)
    }

    @Test("expired or missing credentials become a credentials error; AccessDenied does not", arguments: [
        ("An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired", true),
        ("Unable to locate credentials. You can configure credentials by running \"aws configure\".", true),
        ("An error occurred (AccessDenied) when calling the CreateRepository operation: not allowed", false),
    ])
    func credentials(line: String, isCredentialProblem: Bool) {
        let result = ProcessResult(exitCode: 255, signal: nil, standardOutput: "", standardErrorTail: [line])
        let failure = AWSFailure(invocation: Invocation("aws", []), result: result, logPath: nil)
        #expect(failure.isCredentialProblem == isCredentialProblem)
        if isCredentialProblem {
            #expect(failure.asError.exitStatus == .noCredentials)
        } else {
            #expect(failure.asError.exitStatus == .stepFailed)
        }
    }
}

@Suite("Docker invocations")
struct DockerInvocationTests {
    @Test("login sends the password on stdin and never in the command line")
    func login() {
        let secret = Secret("eyJwYXlsb2FkIjoibG9uZy1zZWNyZXQtdG9rZW4ifQ")
        let invocation = Docker.login(registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", password: secret)
        #expect(invocation.arguments == ["login", "--username", "AWS", "--password-stdin", "123456789012.dkr.ecr.us-east-1.amazonaws.com"])
        #expect(invocation.standardInput == secret)
        #expect(!invocation.commandLine.contains(secret.value))
        #expect(!invocation.arguments.contains { $0.contains(secret.value) })
    }

    private func request(cache: String? = nil) -> Docker.BuildRequest {
        Docker.BuildRequest(
            dockerfile: "/ctx/dlc-slurmd.Dockerfile", context: "/ctx", imageReference: "repo.example/slurmd:t1",
            buildArguments: ["B": "2", "A": "1"], labels: ["io.slinky.cluster": "c1"], cacheReference: cache)
    }

    @Test("a build without buildx uses the classic builder, for linux/amd64, with the context last")
    func classicBuild() {
        let invocation = Docker.build(request(cache: "repo.example/slurmd:buildcache"), buildx: false)
        let args = invocation.arguments
        #expect(args.first == "build")
        #expect(invocation.environment["DOCKER_BUILDKIT"] == .some("0"))
        #expect(containsRun(args, ["--platform", "linux/amd64"]))
        #expect(containsRun(args, ["--file", "/ctx/dlc-slurmd.Dockerfile"]))
        #expect(containsRun(args, ["--tag", "repo.example/slurmd:t1"]))
        #expect(containsRun(args, ["--build-arg", "A=1", "--build-arg", "B=2"]))
        #expect(containsRun(args, ["--label", "io.slinky.cluster=c1"]))
        #expect(!args.contains("--cache-from"), "the classic builder has no registry cache")
        #expect(args.last == "/ctx")
    }

    @Test("a buildx build loads the image, targets linux/amd64 and uses the registry cache")
    func buildxBuild() {
        let invocation = Docker.build(request(cache: "repo.example/slurmd:buildcache"), buildx: true)
        let args = invocation.arguments
        #expect(Array(args.prefix(3)) == ["buildx", "build", "--load"])
        #expect(invocation.environment["DOCKER_BUILDKIT"] == nil)
        #expect(containsRun(args, ["--platform", "linux/amd64"]))
        #expect(containsRun(args, ["--cache-from", "type=registry,ref=repo.example/slurmd:buildcache"]))
        #expect(args.contains("--cache-to"))
        #expect(args.last == "/ctx")
    }
}

@Suite("Base image registries")
struct BaseRegistryTests {
    @Test("the Deep Learning Containers registry is found in an ARG default used by FROM")
    func dlcRegistry() {
        let dockerfile = """
            # syntax=docker/dockerfile:1
            ARG DLC_IMAGE=763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.6.0-gpu-py312-cu126-ubuntu22.04-ec2
            FROM ${DLC_IMAGE} AS dlc
            FROM ghcr.io/slinkyproject/slurmd:25.05-ubuntu24.04
            COPY --from=dlc /opt/conda /opt/conda
            """
        #expect(ImageBuilder.baseRegistries(dockerfile: dockerfile) == ["763104351884.dkr.ecr.us-east-1.amazonaws.com"])
        #expect(ImageBuilder.region(ofRegistry: "763104351884.dkr.ecr.us-east-1.amazonaws.com") == "us-east-1")
    }

    @Test("a registry named twice is listed once, FROM lines in any case count")
    func deduplicated() {
        let dockerfile = """
            from 123456789012.dkr.ecr.eu-west-1.amazonaws.com/base:1 as a
            FROM 123456789012.dkr.ecr.eu-west-1.amazonaws.com/base:2
            """
        #expect(ImageBuilder.baseRegistries(dockerfile: dockerfile) == ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"])
    }

    @Test("a Dockerfile using only public or local images needs no ECR login")
    func noRegistries() {
        let dockerfile = """
            ARG BASE=ghcr.io/slinkyproject/slurmd:25.05
            FROM ${BASE} AS base
            FROM base
            FROM ubuntu:24.04
            RUN echo 763104351884.dkr.ecr.us-east-1.amazonaws.com/not-an-image-reference
            COPY --from=localimage /a /b
            """
        #expect(ImageBuilder.baseRegistries(dockerfile: dockerfile).isEmpty)
    }

    @Test("the shipped Dockerfiles: the DLC one needs a login to the DLC registry, the sandbox one none")
    func shippedDockerfiles() throws {
        let dlc = try String(contentsOfFile: packageRoot + "/dockerfiles/dlc-slurmd.Dockerfile", encoding: .utf8)
        #expect(ImageBuilder.baseRegistries(dockerfile: dlc) == ["763104351884.dkr.ecr.us-east-1.amazonaws.com"])
        let sandbox = try String(contentsOfFile: packageRoot + "/dockerfiles/sandbox-slurmd.Dockerfile", encoding: .utf8)
        #expect(ImageBuilder.baseRegistries(dockerfile: sandbox).isEmpty)
    }
}
