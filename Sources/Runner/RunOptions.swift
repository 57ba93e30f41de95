import Datasets
import Foundation

/// How `wf run` runs a workflow.
public struct RunOptions: Sendable {
    /// Run only this job and the jobs it needs.
    public var onlyJob: String?
    /// Workflow inputs (`--input NAME=VALUE`), over the workflow's defaults.
    public var inputs: [String: String] = [:]
    /// Jobs that may run at once when the DAG allows.
    public var parallelJobs = 2
    /// How long a script or container step may run.
    public var stepTimeout: TimeInterval = 3600
    /// false runs script and container steps directly on this machine (`--no-sandbox`).
    public var sandbox = true
    /// What started the run, as the run record shows it.
    public var trigger = "wf run"
    /// The linked repository that started it (the daemon's runs), recorded with the run.
    public var link: String?
    /// Where `secret:NAME` values come from.
    public var secrets = SecretStore()
    /// The repository and commit to record, when the checkout is an export without `.git`
    /// (the daemon's); nil reads them from the checkout.
    public var source: (repository: String, commit: String)?
    /// Runs started by a push (the daemon's) take nothing from the host by path: no volume
    /// workflow inputs, no local repositories to check out, no models or data outside the run.
    public var confined = false
    /// The run's id, when the caller names it first (the daemon records it in its queue).
    public var runID: String?
    /// Model ids mapped to local model folders (`--model gpt2=PATH`): a settings file that
    /// names the id loads that folder, and provenance says so.
    public var models: [String: String] = [:]
    /// Where script and container steps run (`--runtime`).
    public var runtime = RuntimeChoice.auto
    /// When a container runtime fetches a step's image (`--pull`).
    public var pull = PullPolicy.missing
    /// Script and container steps may reach the network (`--network`); they may not by default.
    public var network = false
    /// The secret holding a registry credentials file (Docker's `config.json` /
    /// containers' `auth.json` format) for pulling private images (`--registry-auth NAME`).
    public var registryAuthSecret: String?

    /// Where the jobs run: nil on this machine (at most `parallelJobs` at once), else an
    /// engine such as Slurm, each job through `wf job exec` on its nodes (`--executor`).
    public var engine: (any JobEngine)?

    /// Compute threads of in-process steps (generation, training): this run's own setting,
    /// bound around each step (see ComputePool).
    public var computeThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Stops the run on request (the daemon's cancel); nil: the run cannot be cancelled.
    public var cancellation: RunCancellation?
    /// A re-run: the run it repeats, and the jobs that reuse that run's results.
    public var reuse: RunReuse?

    public init() {}
}

/// A re-run of an earlier run. The jobs in `jobs` do not run again (GitHub Actions' "re-run
/// this job" runs the job and what depends on it, and keeps the rest): each takes its state,
/// outputs and log from `run`, and the jobs that need it read its outputs where that run left
/// them. A reused job's dataset outputs that `run` did not commit (it failed) are committed by
/// the re-run, with the provenance the job recorded; those it committed are not committed again.
public struct RunReuse: Sendable, Equatable {
    /// The earlier run.
    public var run: String
    /// Its records of the jobs that do not run again, each with `reusedFrom` naming the run
    /// that really ran it (whose folder holds its outputs); empty for a re-run of the whole run.
    public var jobs: [String: JobRecord]

    public init(run: String, jobs: [String: JobRecord] = [:]) {
        self.run = run
        self.jobs = jobs
    }
}
