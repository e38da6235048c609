import Foundation

/// What `slinky install` and `slinky cleanup` do, in what order. Dependencies, not list position, decide
/// what may run at the same time: the image build runs beside the VPC and EKS applies.
public enum Pipelines {
    /// Steps that run before anything changes; their results are printed before the rest starts.
    public static func prelude(_ env: ClusterEnvironment, phase: Phase) -> [any PipelineStep] {
        [PreflightStep(env: env, phase: phase), IdentityStep(env: env)]
    }

    public static func install(_ env: ClusterEnvironment, order: StackOrder) -> [any PipelineStep] {
        var steps: [any PipelineStep] = []
        if !env.settings.skipSetup {
            steps.append(ECRRepositoryStep(env: env))
            steps.append(ImageStep(env: env))
            steps.append(SSHKeyStep(env: env))
        }
        steps.append(BlueprintStep(env: env))
        steps.append(TerraformInitStep(env: env))
        var previous = "terraform-init"
        for target in order.applyTargets {
            let step = TerraformApplyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(TerraformApplyStep(env: env, target: nil, dependencies: [previous, "blueprint"]))
        steps.append(ExampleJobStep(env: env))
        steps.append(AccessSummaryStep(env: env))
        return steps
    }

    public static func cleanup(_ env: ClusterEnvironment, order: StackOrder) -> [any PipelineStep] {
        var steps: [any PipelineStep] = [TerraformInitStep(env: env), ReleaseControllerResourcesStep(env: env)]
        var previous = "release-kubernetes"
        for target in order.destroyTargetsBeforeSweep {
            let step = TerraformDestroyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(SweepStep(env: env, dependencies: [previous]))
        previous = "sweep"
        for target in order.destroyTargetsAfterSweep {
            let step = TerraformDestroyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(TerraformDestroyStep(env: env, target: nil, dependencies: [previous]))
        return steps
    }
}
