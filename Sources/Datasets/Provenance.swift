/// Where a version came from. Every field is optional: a hand-made `put` knows none of
/// them, a workflow run knows all of them.
public struct Provenance: Sendable, Equatable, Codable {
    /// URL or path of the git repository.
    public var repository: String?
    /// Full commit sha the content came from.
    public var commit: String?
    /// Workflow file, relative to the repository root.
    public var workflow: String?
    /// Job name within the workflow.
    public var job: String?
    /// Run id.
    public var run: String?
    /// sha256 of the settings file the job read.
    public var settingsDigest: String?
    /// sha256 of the model the job used.
    public var modelDigest: String?
    /// Where the model came from when the settings named it by a hub id, e.g.
    /// `gpt2 = /models/gpt2 (--model)` or `gpt2 = hub cache snapshot 607a30d`.
    public var modelSource: String?
    /// The container image a script or container step ran in (`sha256:…`).
    public var image: String?
    /// `true` when the run used a checkout with uncommitted changes: the content did not come
    /// from `commit` alone.
    public var uncommitted: String?

    public init(repository: String? = nil, commit: String? = nil, workflow: String? = nil, job: String? = nil,
                run: String? = nil, settingsDigest: String? = nil, modelDigest: String? = nil, modelSource: String? = nil,
                image: String? = nil, uncommitted: String? = nil) {
        self.uncommitted = uncommitted
        self.modelSource = modelSource
        self.image = image
        self.repository = repository
        self.commit = commit
        self.workflow = workflow
        self.job = job
        self.run = run
        self.settingsDigest = settingsDigest
        self.modelDigest = modelDigest
    }

    static var keys: [(String, WritableKeyPath<Provenance, String?>)] {
        [
        ("repository", \.repository), ("commit", \.commit), ("workflow", \.workflow), ("job", \.job),
        ("run", \.run), ("settings", \.settingsDigest), ("model", \.modelDigest),
        ("modelSource", \.modelSource), ("image", \.image), ("uncommitted", \.uncommitted),
        ]
    }

    /// Only the known fields, as a canonical JSON object.
    var canonical: CanonicalJSON {
        var members = [String: CanonicalJSON]()
        for (key, path) in Provenance.keys { if let value = self[keyPath: path] { members[key] = .string(value) } }
        return .object(members)
    }

    init?(canonical: CanonicalJSON) {
        guard let members = canonical.objectValue else { return nil }
        self.init()
        for (key, value) in members {
            guard let path = Provenance.keys.first(where: { $0.0 == key })?.1, let text = value.stringValue else { return nil }
            self[keyPath: path] = text
        }
    }
}
