import ArgumentParser
import Datasets
import Foundation
import Runner
import Workflows

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Gradient workflow files without running them.",
        discussion: """
            Every problem is reported as FILE:LINE:COLUMN: KEY.PATH: message; the exit status is 1 when any file has one. Each job's with: is read by its action's settings schema, the one wf run uses. Without FILE, checks .gradient/workflows/*.yaml of the enclosing checkout.

            A script@v1 job that runs a Python file of the repository building a transformers text-generation pipeline (the Gradient tutorial's generateText) gets a note with the text-generation@v1 job that does the same natively, its settings read from that script; `wf migrate FILE` makes the change in place.
            """
    )

    @Argument(help: "Workflow files (default: .gradient/workflows/*.yaml).")
    var files: [String] = []

    @OptionGroup var store: StoreOptions

    func run() throws {
        let targets = files.isEmpty ? try defaultFiles() : files
        var failed = false
        for file in targets {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                print("\(file): cannot be read as UTF-8 text")
                failed = true
                continue
            }
            do {
                let spec = try WorkflowParser.parse(text, file: file)
                let problems = spec.jobs.flatMap { job -> [WorkflowError] in
                    do { _ = try StepSettings.decode(job, file: file) } catch let errors as WorkflowErrors { return errors.errors } catch { return [] }
                    return []
                }
                if !problems.isEmpty { throw WorkflowErrors(errors: problems) }
                // The settings files a run will read, read the same way.
                let settingsProblems = TextGenerationConfig.problems(in: spec, checkout: MigrationNote.checkout(of: file))
                if !settingsProblems.isEmpty {
                    for problem in settingsProblems { print("\(file): \(problem)") }
                    failed = true
                    continue
                }
                let order = WorkflowValidator.layers(of: spec).map { $0.joined(separator: " + ") }.joined(separator: " → ")
                print("ok \(file): \(Format.count(spec.jobs.count, "job")): \(order)")
                MigrationNote.print(spec: spec, text: text, file: file)
            } catch let errors as WorkflowErrors {
                print(errors.description)
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    private func defaultFiles() throws -> [String] {
        let checkout = Checkout.current(or: store.resolvedHome)
        let files = Checkout.workflows(in: checkout)
        guard !files.isEmpty else { throw ValidationError("no workflow files in \(checkout)/.gradient/workflows; name the files to check") }
        // Shown as the user would type them, from here.
        let here = FileManager.default.currentDirectoryPath + "/"
        return files.map { $0.hasPrefix(here) ? String($0.dropFirst(here.count)) : $0 }
    }
}
