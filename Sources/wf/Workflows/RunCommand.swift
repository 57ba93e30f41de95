import ArgumentParser
import Datasets
import Foundation
import Runner
import TextGeneration
import Workflows

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Gradient workflow from the local checkout and commit its dataset outputs.",
        discussion: """
            Jobs run in dependency order in HOME/runs/RUN/JOB/, independent ones side by side (--parallel). A failed job stops the jobs that need it; the run then ends with a summary. When every job has succeeded, each dataset output becomes a new version with provenance (repository, commit, workflow, job, run, settings and model digests); a failed run commits nothing. Every run is recorded: see `wf runs ls`.

            Actions: git-checkout@v1 (the local checkout), text-generation@v1 (in-process, from the repository's settings: a JSON or YAML file, or its own Python script that builds a transformers text-generation pipeline, read without running it), train@v1 (in-process training; a dataset in, a model out), create-model@v1 (commits a model folder as a dataset version, its id as a string output), script@v1 and container@v1 (in their image with Podman or Docker, else in a bubblewrap sandbox on this machine's system; either way /inputs/NAME read-only, /outputs/NAME writable, no network; container@v1 as Kubernetes runs a container: command replaces the image's entry point, args its CMD, and a one-line command with spaces is run by /bin/sh -c). A dataset output the job left empty fails the job. s3-download@v1 copies an S3 prefix or object (url, access-key and secret-access-key as secret:NAME, optional region, endpoint, path) into the job's dataset or volume output, each object checked on arrival.

            Runtimes (--runtime): auto runs a step that names an image in it with Podman or Docker when one works, and in bubblewrap otherwise (the log says so once); podman and docker insist; bwrap never uses a container. Images are pulled as --pull says (missing, always, never).

            Models: a settings file that names a hub id (model='gpt2') loads it from the Hugging Face cache (HF_HOME, HF_HUB_CACHE), downloading it when missing and online; --model gpt2=PATH maps the id to a local model folder instead, and provenance records it. wf never substitutes another model.

            Values: secret:NAME comes from `wf secrets set NAME`; context.event.github.url and .ref are this checkout and its HEAD commit.

            Examples:
              wf run .gradient/workflows/nlp-text-generation.yaml
              wf datasets cat generated-text outputs.txt
              wf run workflows/train-then-generate.yaml --input corpus=shakespeare --job generate
              wf run --model gpt2=~/models/my-gpt2 --runtime podman
              wf run --executor slurm --partition debug

            Clusters (--executor slurm): each job becomes one sbatch submission of `wf job exec HOME/runs/RUN/plan.json JOB`, with --dependency=afterok on the jobs it needs and its resources (limits.cpu → --cpus-per-task, limits.memory → --mem, a GPU instance type → --gres=gpu:N; --slurm-time → --time); wf watches them with squeue (and sacct), records each job's Slurm id and node, and commits the outputs here once every job has succeeded. The nodes must see the home, the checkout and wf at the same paths (a shared file system). Ctrl-C cancels the jobs (scancel).
            """
    )

    @Argument(help: "The workflow file (default: the checkout's only .gradient/workflows/*.yaml).")
    var workflow: String?

    @Option(help: "Run only this job and the jobs it needs.")
    var job: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("Set a workflow input (repeatable); a dataset input takes a REF, a volume input a folder.", valueName: "name=value"))
    var inputs: [String] = []

    @Option(parsing: .unconditional, help: "Seconds a script or container step may run before it is killed.")
    var timeout: Double = 3600

    @Option(parsing: .unconditional, help: "Jobs that may run at once when the workflow allows.")
    var parallel = 2

    @Option(parsing: .unconditional, help: "Compute threads for in-process steps (generation, training).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Run script and container steps directly on this machine, with no container and no sandbox (where neither works). They then see the whole machine; /inputs and /outputs are $INPUTS_DIR and $OUTPUTS_DIR.")
    var noSandbox = false

    @Option(help: ArgumentHelp("Where script and container steps run: auto, podman, docker or bwrap.", valueName: "runtime"))
    var runtime: RuntimeChoice = .auto

    @Option(help: ArgumentHelp("When to pull a step's image: missing, always or never.", valueName: "policy"))
    var pull: PullPolicy = .missing

    @Option(name: .customLong("model"), help: ArgumentHelp("Map a model id the settings name to a local model folder (repeatable).", valueName: "id=path"))
    var models: [String] = []

    @Flag(help: "Let script and container steps reach the network (they have none by default).")
    var network = false

    @Option(help: ArgumentHelp("Pull private images with the registry credentials in this secret (a docker/podman config.json: wf secrets set NAME < ~/.docker/config.json).", valueName: "secret"))
    var registryAuth: String?

    @OptionGroup var engine: EngineOptions

    @OptionGroup var store: StoreOptions

    func run() throws {
        let home = store.resolvedHome
        let file = try workflow.map { URL(fileURLWithPath: $0).standardized.path } ?? defaultWorkflow(in: Checkout.current(or: home))
        let checkout = Checkout.enclosing(file) ?? home
        var options = RunOptions()
        options.onlyJob = job
        options.stepTimeout = timeout
        options.parallelJobs = parallel
        options.sandbox = !noSandbox
        options.runtime = runtime
        options.pull = pull
        options.models = try ModelMapping.parse(models)
        options.network = network
        options.registryAuthSecret = registryAuth
        options.inputs = try InputAssignments.parse(inputs)
        guard parallel >= 1, threads >= 1 else { throw ValidationError("--parallel and --threads must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout is the seconds a step may run: more than 0") }
        options.computeThreads = threads
        options.engine = engine.engine()
        ContainerCleanup.removeContainersOnSignals()
        let runner = try LocalRunner(home: home, defaultModel: DefaultModel.folder) { Console.error($0) }
        let result: LocalRunner.Result
        do { result = try runner.run(workflowFile: file, checkout: checkout, options: options) } catch RunError.runFailed(let run, let failures) {
            // A failed Gradient pipeline job that wf can run natively: say how.
            if let text = try? String(contentsOfFile: file, encoding: .utf8), let spec = try? WorkflowParser.parse(text, file: file) {
                let failed = Set(spec.jobs.map(\.name).filter { name in failures.contains { $0.hasPrefix("job \(name) ") } })
                MigrationNote.print(spec: spec, text: text, file: file, only: failed, toStandardError: true)
            }
            throw RunError.runFailed(run: run, failures: failures)
        }
        for job in result.run.jobs {
            for (name, value) in job.outputs.sorted(by: { $0.key < $1.key }) where !result.versions.contains(where: { $0.reference == value }) {
                print("\(job.name).\(name) = \(value)")
            }
        }
        for version in result.versions {
            print("committed \(version.reference) (version \(version.sequence)): \(Format.count(version.files, "file")), "
                  + "\(Format.bytes(version.bytes)), tree \(version.tree.short)")
        }
        if let first = result.versions.first {
            print("see it with: wf datasets show \(first.dataset); wf runs show \(result.run.id)")
        }
    }

    private func defaultWorkflow(in checkout: String) throws -> String {
        let files = Checkout.workflows(in: checkout)
        guard files.count == 1 else {
            let folder = checkout + "/.gradient/workflows"
            throw ValidationError(files.isEmpty ? "no workflow in \(folder); name one"
                                                : "several workflows in \(folder) (\(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))); name one")
        }
        return files[0]
    }
}
