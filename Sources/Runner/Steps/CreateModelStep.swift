import Datasets
import Foundation
import Workflows

/// `create-model@v1` (`name`, `type`): commits the job's one input, a model folder, as a new
/// version of the dataset `name` right away, and gives that version (`NAME:ID`) to the job's
/// string output, if it has one, for later jobs. `type` (Custom, ONNX, Tensorflow, …) is
/// recorded in the version's message.
struct CreateModelStep: Step {
    let settings: CreateModelSettings

    func run(_ context: StepContext) throws -> StepResult {
        let job = context.job
        let name = settings.name, type = settings.type
        do { try DatasetName.validate(name) } catch { throw RunError.unsupported(job: job.name, detail: "with: name: \(error)") }
        guard context.inputs.count == 1, let (inputName, folder) = context.inputs.first else {
            throw RunError.unsupported(job: job.name, detail: "create-model@v1 takes one input, the model folder; this job has \(context.inputs.count)")
        }
        let weights = ["model.safetensors", "model.safetensors.index.json"].compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)") }.first
        let provenance = Provenance(repository: context.checkout, commit: context.commit, workflow: context.workflow, job: job.name,
                                    run: context.runID, modelDigest: weights.map { ObjectID.of(Array($0)).hex })
        let version = try context.store.commit(dataset: name, paths: [folder], message: "\(context.workflow) \(job.name): model type \(type) from \(inputName)",
                                               provenance: provenance)
        context.log.line("committed model \(version.reference) (\(version.files) files, type \(type))")
        var result = StepResult(modelDigest: provenance.modelDigest)
        let strings = job.outputs.filter { $0.value == .string }.keys.sorted()
        for output in strings {
            try Data(version.reference.utf8).write(to: URL(fileURLWithPath: context.outputs[output]!))
        }
        if strings.isEmpty { result.committed["model"] = version.reference }
        return result
    }
}
