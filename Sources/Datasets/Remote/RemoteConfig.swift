import Foundation

/// A named remote of a store (`wf datasets remote add NAME URL`): where its objects live
/// (`s3://BUCKET/PREFIX`, or a folder), and for S3 an endpoint, a region, and the names of the
/// wf secrets holding its credentials. Kept in `HOME/datasets/remotes.json`, written
/// atomically; credentials themselves are never kept here.
public struct RemoteConfig: Sendable, Codable, Equatable {
    public var name: String
    public var url: String
    public var endpoint: String?
    public var region: String?
    /// The names of the wf secrets (`wf secrets set NAME`) holding its access key id and
    /// secret access key, when they come from there rather than the environment.
    public var accessKeySecret: String?
    public var secretKeySecret: String?
    /// The home's store lives here (`remote add --store`): commits go to this remote first,
    /// and the local store is its cache. At most one remote is the store.
    public var store: Bool?

    public init(name: String, url: String, endpoint: String? = nil, region: String? = nil, accessKeySecret: String? = nil,
                secretKeySecret: String? = nil, store: Bool? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.accessKeySecret = accessKeySecret
        self.secretKeySecret = secretKeySecret
        self.store = store
    }
}

extension DatasetStore {
    var remotesPath: String { Self.remotesPath(root: root) }
    static func remotesPath(root: String) -> String { "\(root)/remotes.json" }

    /// The remotes, by name.
    public func remotes() throws -> [RemoteConfig] { try Self.remotes(root: root) }

    static func remotes(root: String) throws -> [RemoteConfig] {
        let path = remotesPath(root: root)
        guard FileIO.exists(path) else { return [] }
        guard let remotes = try? JSONDecoder().decode([RemoteConfig].self, from: Data(FileIO.read(path))) else {
            throw DatasetError.remote("\(path) is not a list of remotes; fix or remove it")
        }
        return remotes.sorted { $0.name < $1.name }
    }

    /// The remote the store under `home` lives in (`remote add --store`), or nil for a store
    /// on this disk alone. Read before the store opens, so whoever opens it can connect it.
    public static func sharedStoreRemote(home: String) throws -> RemoteConfig? {
        try remotes(root: datasetsRoot(home: home)).first { $0.store == true }
    }

    /// The remote named `name`, or the only one when `name` is nil.
    public func remote(_ name: String?) throws -> RemoteConfig {
        let all = try remotes()
        if let name {
            guard let found = all.first(where: { $0.name == name }) else {
                throw DatasetError.remote("no remote named \(name)" + (all.isEmpty ? "; add one with wf datasets remote add NAME URL" : "; remotes: \(all.map(\.name).joined(separator: ", "))"))
            }
            return found
        }
        guard all.count == 1 else {
            throw DatasetError.remote(all.isEmpty ? "no remote: add one with wf datasets remote add NAME s3://BUCKET/PREFIX"
                                                  : "several remotes (\(all.map(\.name).joined(separator: ", "))): name one with --remote")
        }
        return all[0]
    }

    public func addRemote(_ remote: RemoteConfig) throws {
        try checkNewRemote(remote)
        try writeRemotes(try remotes() + [remote])
    }

    /// Throws the reason `remote` cannot be added: a bad or taken name, or a second store.
    /// `remote add --store` asks before it pushes, so a refused remote moves nothing.
    public func checkNewRemote(_ remote: RemoteConfig) throws {
        try DatasetName.validate(remote.name)
        let all = try remotes()
        guard !all.contains(where: { $0.name == remote.name }) else {
            throw DatasetError.remote("a remote named \(remote.name) exists; remove it first (wf datasets remote rm \(remote.name))")
        }
        if remote.store == true, let other = all.first(where: { $0.store == true }) {
            throw DatasetError.remote("the store already lives in remote \(other.name); a home has one store (wf datasets remote rm \(other.name) first)")
        }
    }

    public func removeRemote(_ name: String) throws {
        var all = try remotes()
        guard all.contains(where: { $0.name == name }) else { throw DatasetError.remote("no remote named \(name)") }
        all.removeAll { $0.name == name }
        try writeRemotes(all)
    }

    private func writeRemotes(_ remotes: [RemoteConfig]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(Array(try encoder.encode(remotes)), to: remotesPath, temporaryDirectory: temporaryDirectory)
    }
}
