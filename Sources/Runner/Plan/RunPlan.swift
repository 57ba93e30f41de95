import Foundation
import Workflows

/// What a run will do, fixed before anything runs (nektos/act's plan, Argo's Workflow): the
/// jobs with their typed settings, where each input comes from as a reference to an artifact
/// (never a host path chosen by the runner), and what each output becomes. `Planner` makes
/// it from a workflow at a commit; `LocalRunner` executes it. It is `Codable`, so a plan can
/// be written down and executed elsewhere.
public struct RunPlan: Codable, Sendable, Equatable {
    public var runID: String
    /// The workflow file, relative to the checkout.
    public var workflow: String
    /// The repository provenance names (origin URL or checkout path).
    public var repository: String
    public var commit: String?
    /// The checkout had uncommitted changes, which the run used.
    public var uncommitted = false
    public var trigger: String
    /// The workflow inputs as given or defaulted, for the run record.
    public var inputs: [String: String]
    /// Names of the secrets the jobs use (their values are read when the run starts).
    public var secrets: [String]
    /// In the workflow's order.
    public var jobs: [PlannedJob]

    public init(runID: String, workflow: String, repository: String, commit: String?, uncommitted: Bool = false, trigger: String,
                inputs: [String: String], secrets: [String], jobs: [PlannedJob]) {
        self.runID = runID
        self.workflow = workflow
        self.repository = repository
        self.commit = commit
        self.uncommitted = uncommitted
        self.trigger = trigger
        self.inputs = inputs
        self.secrets = secrets
        self.jobs = jobs
    }

    public func job(named name: String) -> PlannedJob? { jobs.first { $0.name == name } }
}

/// One job of a plan.
public struct PlannedJob: Codable, Sendable, Equatable {
    public var name: String
    public var action: Action
    public var needs: [String]
    public var inputs: [String: Artifact]
    public var outputs: [String: OutputTarget]
    public var settings: StepSettings
    /// `defaults.env` under the job's `env`, unresolved (secrets and context values are
    /// read when the job runs).
    public var environment: [String: Value]
    /// Names of the secrets its `with:` and environment use.
    public var secrets: [String]
    /// `resources.instance-type` (job or defaults), e.g. C4 or P4000.
    public var instanceType: String?
    /// `resources.limits` (job over defaults); unset limits take the executor's defaults.
    public var limits: ResourceLimits?
    /// Where the job is in the workflow file.
    public var line: Int

    public init(name: String, action: Action, needs: [String], inputs: [String: Artifact], outputs: [String: OutputTarget], settings: StepSettings,
                environment: [String: Value], secrets: [String], instanceType: String?, limits: ResourceLimits?, line: Int) {
        self.name = name
        self.action = action
        self.needs = needs
        self.inputs = inputs
        self.outputs = outputs
        self.settings = settings
        self.environment = environment
        self.secrets = secrets
        self.instanceType = instanceType
        self.limits = limits
        self.line = line
    }
}

/// Where an input's bytes come from.
public enum Artifact: Codable, Sendable, Equatable {
    /// Another job's output (`JOB.outputs.NAME`).
    case jobOutput(job: String, output: String)
    /// A dataset version, resolved when the run was planned (the full id), so the run reads
    /// the same bytes whenever it executes.
    case datasetVersion(dataset: String, id: String)
    /// A string value, given to the step as a file.
    case string(String)
    /// An empty scratch folder.
    case emptyVolume
    /// A folder on this machine: a volume workflow input of `wf run` (never in a run a push started).
    case hostFolder(String)
}

/// What an output becomes once every job has succeeded.
public enum OutputTarget: Codable, Sendable, Equatable {
    /// A new version of this dataset.
    case dataset(name: String)
    /// Scratch for later jobs.
    case volume
    /// A small value read from the file the job wrote.
    case string
}

extension Action: Codable {}

/// GPU instance types of Paperspace (the P and A series, V100s, RTX cards): a job on one
/// asks the container runtime for GPUs.
public enum InstanceType {
    public static func isGPU(_ name: String) -> Bool {
        let upper = name.uppercased()
        guard let first = upper.first else { return false }
        if upper.hasPrefix("C") { return false }  // C3…C10: CPU only
        return ["P", "A", "V", "R", "H"].contains(first) || upper.contains("GPU") || upper.contains("RTX")
    }

    /// GPUs of a GPU instance type: the count after a final `x` (`A100-80Gx8`: 8), else 1; 0 for CPU types.
    public static func gpus(_ name: String) -> Int {
        guard isGPU(name) else { return 0 }
        if let x = name.lastIndex(where: { $0 == "x" || $0 == "X" }), let count = Int(name[name.index(after: x)...]), (1...64).contains(count) { return count }
        return 1
    }
}
