import Foundation
import Workflows

/// One action's behaviour (nektos/act's `step`): a type per action, made from the job's
/// typed settings by `StepFactory`, run with everything the job sees in its `StepContext`.
protocol Step {
    /// Runs the step; its outputs are in `context.outputs` when it returns.
    ///
    /// - Throws: `RunError` naming the job and what to do.
    func run(_ context: StepContext) throws -> StepResult
}

/// The step for a planned job (nektos/act's `step_factory.go`).
enum StepFactory {
    static func step(for job: PlannedJob) -> any Step {
        switch job.settings {
        case .gitCheckout(let settings): return GitCheckoutStep(settings: settings)
        case .script(let settings): return ScriptStep(settings: settings)
        case .container(let settings): return ContainerStep(settings: settings)
        case .createModel(let settings): return CreateModelStep(settings: settings)
        case .s3Download(let settings): return S3DownloadStep(settings: settings)
        case .textGeneration(let settings): return TextGenerationStep(settings: settings)
        case .train(let settings): return TrainStep(settings: settings)
        }
    }
}

/// An action wf parses but cannot run yet: the run fails at once, saying what to do instead.
struct UnimplementedStep: Step {
    let action: Action
    let advice: String

    func run(_ context: StepContext) throws -> StepResult {
        throw RunError.unsupported(job: context.job.name, detail: "\(action.rawValue) is not implemented yet; \(advice)")
    }
}
