import ArgumentParser
import Foundation
import Runner

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Gradient workflow from the local checkout and commit its dataset outputs.",
        discussion: """
            Jobs run in dependency order in HOME/runs/RUN/JOB/. When every job has succeeded, each dataset output becomes a new version with provenance (repository, commit, workflow, job, run, settings and model digests); a failed run commits nothing.

            Actions: git-checkout@v1 (the local checkout), text-generation@v1 (in-process, from the repository's settings file), script@v1 and container@v1 (in a bubblewrap sandbox: system read-only, /inputs/NAME read-only, /outputs/NAME writable, private /tmp, no network; image is recorded, not pulled). Other actions are refused with a message that says so.

            Example: wf run .gradient/workflows/nlp-text-generation.yaml, then wf datasets cat generated-text outputs.txt
            """
    )

    @Argument(help: "The workflow file (default: the checkout's only .gradient/workflows/*.yaml).")
    var workflow: String?

    @Option(help: "Run only this job and the jobs it needs.")
    var job: String?

    @Option(help: "Seconds a script or container step may run before it is killed.")
    var timeout: Double = 3600

    @OptionGroup var store: StoreOptions

    func run() throws {
        let home = store.resolvedHome
        let file = try workflow.map { URL(fileURLWithPath: $0).standardized.path } ?? defaultWorkflow(in: home)
        let checkout = enclosingCheckout(of: file) ?? home
        let runner = try LocalRunner(home: home, defaultModel: DefaultModel.folder) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        runner.stepTimeout = timeout
        let result = try runner.run(workflowFile: file, checkout: checkout, onlyJob: job)
        for version in result.versions {
            print("committed \(version.reference) (version \(version.sequence)): \(Format.count(version.files, "file")), "
                  + "\(Format.bytes(version.bytes)), tree \(version.tree.short)")
        }
        if let first = result.versions.first {
            print("see it with: wf datasets ls \(first.dataset); wf datasets cat \(first.dataset) outputs.txt")
        }
    }

    private func defaultWorkflow(in home: String) throws -> String {
        let folder = home + "/.gradient/workflows"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard files.count == 1 else {
            throw ValidationError(files.isEmpty ? "no workflow in \(folder); name one" : "several workflows in \(folder) (\(files.joined(separator: ", "))); name one")
        }
        return "\(folder)/\(files[0])"
    }

    private func enclosingCheckout(of file: String) -> String? {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return folder.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}
