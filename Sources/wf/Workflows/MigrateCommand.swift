import ArgumentParser
import Foundation
import Runner
import Workflows

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move script@v1 jobs that run a transformers text-generation pipeline to wf's native text-generation@v1.",
        discussion: """
            A job such as the Gradient tutorial's generateText (copy the repository, pip3 install transformers, python3 nlp_text_generation.py) becomes `uses: text-generation@v1` with `settings: INPUT/nlp_text_generation.py`: the same needs, inputs, outputs and resources, the prompt, seed and lengths read from the script without running it, and the text in outputs.txt (the tutorial's layout) and outputs.json. Only the job's uses: line and with: block change; every comment stays. The file is checked again before it is written, and written atomically.

            Examples:
              wf migrate .gradient/workflows/nlp-text-generation.yaml --dry-run
              wf migrate .gradient/workflows/nlp-text-generation.yaml
            """
    )

    @Argument(help: "The workflow file.")
    var file: String

    @Option(help: "Only this job.")
    var job: String?

    @Flag(help: "Print the new file instead of writing it.")
    var dryRun = false

    func run() throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("\(file) cannot be read as UTF-8 text") }
        let spec = try WorkflowParser.parse(text, file: file)
        let checkout = MigrationNote.checkout(of: file)
        let found = PipelineMigration.find(in: spec, checkout: checkout).filter { job == nil || $0.job == job }
        guard !found.isEmpty else {
            if let job {
                Console.error("wf migrate: job \(job) of \(file) is not a script@v1 job running a text-generation pipeline script of \(checkout)")
                throw ExitCode(1)
            }
            // Already migrated, or never such a job: the file is as it should be.
            return print("\(file): no script@v1 job runs a text-generation pipeline script of \(checkout); nothing to do")
        }
        var migrated = text
        // From the last job up, so the earlier jobs' lines stay where the parser saw them.
        for migration in found.sorted(by: { spec.job(named: $0.job)!.line > spec.job(named: $1.job)!.line }) {
            migrated = try migration.apply(to: migrated, job: spec.job(named: migration.job)!)
        }
        let checked = try WorkflowParser.parse(migrated, file: file)
        for job in checked.jobs { _ = try StepSettings.decode(job, file: file) }
        if dryRun { return print(migrated, terminator: migrated.hasSuffix("\n") ? "" : "\n") }
        try Data(migrated.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        for migration in found {
            print("migrated \(migration.job): text-generation@v1 with settings: \(migration.settingsPath)"
                  + (migration.model.map { "; the script's model \($0) loads from the Hugging Face cache, or map it with wf run --model \($0)=PATH" } ?? ""))
        }
        print("its dataset output will hold outputs.txt (the name the tutorial's docs give; its script wrote output.txt) and outputs.json")
    }
}

/// The note `wf validate` and a failed `wf run` print about a job `wf migrate` can move.
enum MigrationNote {
    /// The git checkout the workflow file is in (where its scripts are), else the folder that
    /// holds its `.gradient/workflows/`.
    static func checkout(of file: String) -> String {
        Checkout.enclosing(file)
            ?? URL(fileURLWithPath: file).standardized.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Prints a note per movable job (to standard output, or error); returns the jobs.
    @discardableResult
    static func print(spec: WorkflowSpec, text: String, file: String, only jobs: Set<String>? = nil, toStandardError: Bool = false) -> [String] {
        var noted = [String]()
        for migration in PipelineMigration.find(in: spec, checkout: checkout(of: file)) where jobs?.contains(migration.job) ?? true {
            guard let job = spec.job(named: migration.job), let replacement = try? migration.replacement(in: text, job: job) else { continue }
            let note = """
                note \(file):\(job.line): job \(job.name) runs \(migration.script), which builds a transformers text-generation pipeline (line \(migration.pipelineLine)); \
                wf runs that natively, with the prompt, seed and lengths read from the script, when the job is (or run `wf migrate \(file)`):

                \(replacement)

                """
            if toStandardError { Console.error(note) } else { Swift.print(note) }
            noted.append(job.name)
        }
        return noted
    }
}
