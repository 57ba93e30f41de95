/// A Paperspace Gradient workflow (`.gradient/workflows/*.yaml`), decoded into types: the
/// model only, with no knowledge of how it runs (that is the Runner's).
public struct WorkflowSpec: Sendable, Equatable {
    public var file: String
    /// `on.github.branches`: nil when the file has no `on` key.
    public var trigger: Trigger?
    public var defaults: Defaults
    public var inputs: [String: WorkflowInput]
    /// In file order.
    public var jobs: [Job] { didSet { jobIndex = WorkflowSpec.index(jobs) } }
    /// Job name → position in `jobs`, so looking a job up costs O(1): validating and planning
    /// 10,000 jobs stays linear (`wf bench validate`).
    private var jobIndex: [String: Int]

    public init(file: String, trigger: Trigger?, defaults: Defaults, inputs: [String: WorkflowInput], jobs: [Job]) {
        self.file = file
        self.trigger = trigger
        self.defaults = defaults
        self.inputs = inputs
        self.jobs = jobs
        self.jobIndex = WorkflowSpec.index(jobs)
    }

    public func job(named name: String) -> Job? { jobIndex[name].map { jobs[$0] } }

    private static func index(_ jobs: [Job]) -> [String: Int] {
        var index = [String: Int](minimumCapacity: jobs.count)
        for (position, job) in jobs.enumerated() where index[job.name] == nil { index[job.name] = position }
        return index
    }
}

public struct Trigger: Sendable, Equatable {
    /// Branches that trigger runs (`only`); empty means any branch.
    public var branches: [String]
    /// Branches that never do (`ignore`).
    public var ignoredBranches: [String]
    /// Tags that trigger runs (`tags.only`).
    public var tags: [String]

    public init(branches: [String] = [], ignoredBranches: [String] = [], tags: [String] = []) {
        self.branches = branches
        self.ignoredBranches = ignoredBranches
        self.tags = tags
    }
}

public struct Defaults: Sendable, Equatable {
    public var env: [String: Value] = [:]
    public var instanceType: String?
    public var limits: ResourceLimits?
}

/// `inputs:` of the workflow: a dataset, a string or a volume, optionally with a default.
public struct WorkflowInput: Sendable, Equatable {
    public enum Kind: String, Sendable { case dataset, string, volume }
    public var kind: Kind
    /// A dataset reference (`NAME` or `NAME:VERSION`) or a string value.
    public var defaultValue: String?
}

/// A value from `with:` or `env:`: a literal, a secret, or a value from the triggering event.
public enum Value: Sendable, Equatable {
    case literal(String)
    /// A list, as `container@v1` writes `args:`.
    case list([String])
    /// `secret:NAME`
    case secret(String)
    /// `context.event.github.url` and friends: the path after `context.`.
    case context(String)

    public init(_ text: String) {
        if text.hasPrefix("secret:") {
            self = .secret(String(text.dropFirst("secret:".count)))
        } else if text.hasPrefix("context.") {
            self = .context(String(text.dropFirst("context.".count)))
        } else {
            self = .literal(text)
        }
    }
}

public struct Job: Sendable, Equatable {
    public var name: String
    public var action: Action
    public var with: [String: Value]
    public var needs: [String]
    public var inputs: [String: JobInput]
    public var outputs: [String: JobOutput]
    public var env: [String: Value]
    public var instanceType: String?
    /// `resources: limits:` (wf's own; see `ResourceLimits`).
    public var limits: ResourceLimits?
    /// Where the job's key is, for messages about it.
    public var line: Int
    public var column: Int
    /// Where each `with:` value is (line, column), for messages about it.
    public var withLocations: [String: Location] = [:]
}

/// A place in a workflow file, 1-based.
public struct Location: Sendable, Equatable, Codable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// Where a job input comes from.
public enum JobInput: Sendable, Equatable {
    /// `JOB.outputs.NAME`
    case output(job: String, name: String)
    /// `workflow.inputs.NAME`
    case workflowInput(String)
    /// `type: dataset` with `with: ref: NAME[:VERSION]`
    case dataset(ref: String)
    /// `type: string` with `with: value: …`
    case string(String)
    case volume
}

/// What a job produces under `/outputs/NAME`.
public enum JobOutput: Sendable, Equatable {
    /// A new version of the named dataset.
    case dataset(ref: String)
    /// Scratch passed to later jobs.
    case volume
    /// A small value read from the file the job writes.
    case string
}

/// In a run plan (JSON), a value is written as in the workflow file: `secret:NAME`,
/// `context.PATH`, the literal text, or a list of texts.
extension Value: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let items = try? container.decode([String].self) {
            self = .list(items)
        } else {
            self = Value(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .literal(let text): try container.encode(text)
        case .list(let items): try container.encode(items)
        case .secret(let name): try container.encode("secret:" + name)
        case .context(let path): try container.encode("context." + path)
        }
    }
}
