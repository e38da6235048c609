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
        var previous = StepID.terraformInit
        for target in order.applyTargets {
            let step = TerraformApplyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(TerraformApplyStep(env: env, target: nil, dependencies: [previous, .blueprint]))
        steps.append(KubernetesStep(env: env))
        steps.append(ExampleJobStep(env: env))
        steps.append(AccessSummaryStep(env: env))
        return steps
    }

    /// Every install step's id, prelude first, in the order install declares them: the order `slinky status`
    /// lists a cluster's steps in.
    public static func installOrder(_ env: ClusterEnvironment) -> [StepID] {
        let order = (try? StackOrder.load(path: env.settings.stackOrderPath))
            ?? StackOrder(version: 1, layer: nil, applyTargets: [], destroyTargetsBeforeSweep: [], destroyTargetsAfterSweep: [])
        return (prelude(env, phase: .install) + install(env, order: order)).map(\.id)
    }

    public static func cleanup(_ env: ClusterEnvironment, order: StackOrder) -> [any PipelineStep] {
        var steps: [any PipelineStep] = [TerraformInitStep(env: env), ReleaseControllerResourcesStep(env: env)]
        var previous = StepID.releaseKubernetes
        for target in order.destroyTargetsBeforeSweep {
            let step = TerraformDestroyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(SweepStep(env: env, dependencies: [previous]))
        previous = .sweep
        for target in order.destroyTargetsAfterSweep {
            let step = TerraformDestroyStep(env: env, target: target, dependencies: [previous])
            steps.append(step)
            previous = step.id
        }
        steps.append(TerraformDestroyStep(env: env, target: nil, dependencies: [previous]))
        return steps
    }
}
