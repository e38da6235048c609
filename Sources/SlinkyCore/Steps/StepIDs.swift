/// Every step id slinky uses, declared once. A new step adds its id here and refers to it as `.name`.
extension StepID {
    // Prelude of install and cleanup: nothing changes until these pass.
    public static let preflight = StepID("preflight")
    public static let identity = StepID("identity")

    // Install.
    public static let ecrRepository = StepID("ecr-repository")
    public static let image = StepID("image")
    public static let sshKey = StepID("ssh-key")
    public static let blueprint = StepID("blueprint")
    public static let terraformInit = StepID("terraform-init")
    /// The untargeted apply; targeted ones are `terraformApply(target:)`.
    public static let terraformApply = StepID("terraform-apply")
    public static let kubernetes = StepID("kubernetes")
    public static let exampleJob = StepID("example-job")
    public static let access = StepID("access")

    // Cleanup.
    public static let releaseKubernetes = StepID("release-kubernetes")
    public static let sweep = StepID("sweep")
    /// The untargeted destroy; targeted ones are `terraformDestroy(target:)`.
    public static let destroyAll = StepID("destroy-all")

    // `slinky image build|push|verify`.
    public static let dockerDaemon = StepID("docker")
    public static let imageRepository = StepID("image-repository")
    public static let imageBuild = StepID("image-build")
    public static let imagePush = StepID("image-push")
    public static let imageVerify = StepID("image-verify")

    /// Not a pipeline step: what `slinky render` logs its terraform and helm calls under.
    public static let render = StepID("render")

    /// Not a pipeline step: what `slinky state push` logs its terraform calls under.
    public static let statePush = StepID("state-push")

    /// A targeted apply of a stack module: `module.vpc` is `terraform-vpc`.
    public static func terraformApply(target: String) -> StepID {
        StepID("terraform-\(target.replacingOccurrences(of: "module.", with: ""))")
    }

    /// A targeted destroy of a stack module: `module.eks` is `destroy-eks`.
    public static func terraformDestroy(target: String) -> StepID {
        StepID("destroy-\(target.replacingOccurrences(of: "module.", with: ""))")
    }
}
