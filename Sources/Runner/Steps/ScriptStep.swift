import Foundation
import Workflows

/// `script@v1`: the job's shell script, `/bin/sh -e -c SCRIPT`, run by the run's executor:
/// in the step's `image` by a container runtime, or in bubblewrap on this machine's system.
struct ScriptStep: Step {
    let settings: ScriptSettings

    func run(_ context: StepContext) throws -> StepResult {
        let request = context.executionRequest(image: settings.image, entrypoint: ["/bin/sh", "-e", "-c", settings.script], arguments: [])
        return try ScriptStep.execute(request, context: context)
    }

    /// Hands `request` to the executor the run picked for its image.
    static func execute(_ request: ExecutionRequest, context: StepContext) throws -> StepResult {
        guard let executors = context.executors else {
            throw RunError.unsupported(job: context.job.name, detail: "no executor was prepared for this step")
        }
        if request.image != nil, let note = executors.takeNote() { context.log.line("note: " + note) }
        let report = try executors.executor(for: request.image, job: context.job.name).execute(request, log: context.log)
        return StepResult(imageDigest: report.imageDigest)
    }
}

/// `container@v1`: the `image` with Kubernetes' semantics (`command` replaces the entry
/// point, `args` the default arguments), as Gradient ran it.
struct ContainerStep: Step {
    let settings: ContainerSettings

    func run(_ context: StepContext) throws -> StepResult {
        let request = context.executionRequest(image: settings.image, entrypoint: settings.entrypoint, arguments: settings.arguments)
        return try ScriptStep.execute(request, context: context)
    }
}
