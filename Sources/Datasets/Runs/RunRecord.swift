/// One workflow run as the index keeps it: what ran, from where, how it ended, and its jobs.
public struct RunRecord: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case running, succeeded, failed
        /// Recorded as running, but its process is gone (killed, or the machine stopped).
        case interrupted
        /// Stopped on request (the API's cancel) before it committed anything.
        case cancelled
    }

    public var id: String
    /// The workflow file, relative to the repository.
    public var workflow: String
    /// The checkout's path or the repository's URL.
    public var repository: String
    public var commit: String?
    /// What started it: `wf run`, or the daemon's trigger.
    public var trigger: String
    public var status: Status
    public var started: Timestamp
    public var finished: Timestamp?
    /// Why it failed, one line per failed or skipped job; nil when it succeeded.
    public var summary: String?
    /// The process running it, to tell a crashed run from a running one.
    public var pid: Int32
    /// Workflow inputs as given (`--input NAME=VALUE` over the defaults).
    public var inputs: [String: String]
    public var jobs: [JobRecord]
    /// The linked repository that started it (the daemon's runs); nil for `wf run`.
    public var link: String?
    /// The run this one repeats (a re-run of the whole run or of one job and its dependents).
    public var rerunOf: String?

    public init(id: String, workflow: String, repository: String, commit: String?, trigger: String, status: Status = .running,
                started: Timestamp = .now(), finished: Timestamp? = nil, summary: String? = nil, pid: Int32, inputs: [String: String] = [:],
                jobs: [JobRecord] = [], link: String? = nil, rerunOf: String? = nil) {
        self.link = link
        self.rerunOf = rerunOf
        self.id = id
        self.workflow = workflow
        self.repository = repository
        self.commit = commit
        self.trigger = trigger
        self.status = status
        self.started = started
        self.finished = finished
        self.summary = summary
        self.pid = pid
        self.inputs = inputs
        self.jobs = jobs
    }
}

/// One job of a run.
public struct JobRecord: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case waiting, running, succeeded, failed
        /// Not run because a job it needs failed.
        case skipped
        case interrupted
        /// Stopped, or never started, because its run was cancelled.
        case cancelled
    }

    public var name: String
    public var action: String
    public var status: Status
    public var started: Timestamp?
    public var finished: Timestamp?
    /// The error of a failed job, or why it was skipped.
    public var detail: String?
    /// Its log file.
    public var log: String?
    /// Output name → a committed version (`DATASET:ID`) or a string output's value.
    public var outputs: [String: String]
    /// The image it ran in, `NAME sha256:ID` (the image's id), for steps a container runtime ran.
    public var image: String?
    /// The jobs it needs (its edges in the run's graph).
    public var needs: [String]
    /// What its dataset outputs' provenance takes from the step: `settings`, `model`,
    /// `modelSource`, `image` (see `Provenance`), kept so a re-run that reuses this job can
    /// commit its outputs as this run would have.
    public var provenance: [String: String]
    /// A re-run's job that did not run again: the run whose result (outputs, log) it reuses.
    public var reusedFrom: String?
    /// The job as the engine that ran it knows it (`slurm:1234`), when one did: kept so a
    /// restarted daemon watches the same job instead of submitting it again.
    public var engineJob: String?
    /// The node it ran on (Slurm's `NodeList`).
    public var node: String?

    public init(name: String, action: String, status: Status = .waiting, started: Timestamp? = nil, finished: Timestamp? = nil,
                detail: String? = nil, log: String? = nil, outputs: [String: String] = [:], image: String? = nil, needs: [String] = [],
                provenance: [String: String] = [:], reusedFrom: String? = nil, engineJob: String? = nil, node: String? = nil) {
        self.engineJob = engineJob
        self.node = node
        self.needs = needs
        self.provenance = provenance
        self.reusedFrom = reusedFrom
        self.image = image
        self.name = name
        self.action = action
        self.status = status
        self.started = started
        self.finished = finished
        self.detail = detail
        self.log = log
        self.outputs = outputs
    }

    public var seconds: Double? {
        guard let started, let finished else { return nil }
        return finished.seconds(since: started)
    }
}
