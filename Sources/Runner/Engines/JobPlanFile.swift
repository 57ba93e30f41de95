import Foundation

/// What `wf job exec PLAN JOB` reads: a run's plan and what a job needs to run anywhere wf is
/// installed. The engine that planned the run (`wf run --executor slurm`, the daemon) writes it
/// once to `HOME/runs/RUN/plan.json`; `wf export argo` embeds it in the manifest.
public struct JobPlanFile: Codable, Sendable, Equatable {
    /// The current format; a reader refuses any other.
    public static let currentFormat = 1

    public var format = JobPlanFile.currentFormat
    public var plan: RunPlan
    /// The home whose store the jobs read their inputs from and store their outputs in, by
    /// content address: a folder every node mounts (a Slurm cluster's shared file system).
    /// nil when the engine stages inputs and outputs itself (Argo's artifacts, `--staged`).
    public var home: String?
    /// The repository checkout the jobs read, on the same shared file system as `home`.
    public var checkout: String
    public var options: JobOptions
    /// The model a text-generation job without one uses (`wf run`'s default), as a folder on the nodes.
    public var defaultModel: String?

    public init(plan: RunPlan, home: String?, checkout: String, options: JobOptions, defaultModel: String? = nil) {
        self.defaultModel = defaultModel
        self.plan = plan
        self.home = home
        self.checkout = checkout
        self.options = options
    }

    /// Reads and checks a plan file.
    /// - Throws: `RunError.planFile` when it is not a plan of this format.
    public static func read(_ path: String) throws -> JobPlanFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError.planFile(path: path, detail: "cannot be read (no such file, or no permission)")
        }
        // The format first, alone: a plan of another wf's format need not decode as this one's.
        struct Format: Decodable { var format: Int }
        guard let format = try? JSONDecoder().decode(Format.self, from: data).format else {
            throw RunError.planFile(path: path, detail: "not a wf plan file (a JSON object with a format); wf run --executor writes them as HOME/runs/RUN/plan.json")
        }
        guard format == currentFormat else {
            throw RunError.planFile(path: path, detail: "a plan of format \(format), and this wf reads format \(currentFormat): install the same wf on every node")
        }
        do { return try JSONDecoder().decode(JobPlanFile.self, from: data) } catch {
            throw RunError.planFile(path: path, detail: "not a wf plan file: \(error)")
        }
    }

    /// The bytes written: sorted keys, so one plan always gives the same file.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// The run options a job needs wherever it runs: `RunOptions` without what only the planning
/// process has (its cancellation, re-run bookkeeping, the secrets' values).
public struct JobOptions: Codable, Sendable, Equatable {
    public var models: [String: String] = [:]
    public var sandbox = true
    public var network = false
    public var stepTimeout: TimeInterval = 3600
    public var confined = false
    public var runtime = RuntimeChoice.auto
    public var pull = PullPolicy.missing
    /// The secrets folder (`SecretStore.folder`) on the nodes; values are read there, never written into a plan.
    public var secretsFolder: String
    /// The secret holding registry credentials, by name.
    public var registryAuthSecret: String?

    public init(_ options: RunOptions) {
        models = options.models
        sandbox = options.sandbox
        network = options.network
        stepTimeout = options.stepTimeout
        confined = options.confined
        runtime = options.runtime
        pull = options.pull
        secretsFolder = options.secrets.folder
        registryAuthSecret = options.registryAuthSecret
    }

    /// `RunOptions` for executing one job of `plan` on this machine.
    public func runOptions(for plan: RunPlan) -> RunOptions {
        var options = RunOptions()
        options.models = models
        options.sandbox = sandbox
        options.network = network
        options.stepTimeout = stepTimeout
        options.confined = confined
        options.runtime = runtime
        options.pull = pull
        options.secrets = SecretStore(folder: secretsFolder)
        options.registryAuthSecret = registryAuthSecret
        options.runID = plan.runID
        options.trigger = plan.trigger
        options.parallelJobs = 1
        return options
    }
}
