import ArgumentParser
import Foundation
import Workflows

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check Gradient workflow files without running them.",
        discussion: "Every problem is reported as FILE:LINE:COLUMN: KEY.PATH: message; the exit status is 1 when any file has one. Without FILE, checks .gradient/workflows/*.yaml of the enclosing checkout."
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
                let order = WorkflowValidator.layers(of: spec).map { $0.joined(separator: " + ") }.joined(separator: " → ")
                print("ok \(file): \(Format.count(spec.jobs.count, "job")): \(order)")
            } catch let errors as WorkflowErrors {
                print(errors.description)
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    private func defaultFiles() throws -> [String] {
        let folder = store.resolvedHome + "/.gradient/workflows"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(folder)/\($0)" }
        guard !files.isEmpty else { throw ValidationError("no workflow files in \(folder); name the files to check") }
        return files
    }
}
