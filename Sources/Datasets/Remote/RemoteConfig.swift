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

    public init(name: String, url: String, endpoint: String? = nil, region: String? = nil, accessKeySecret: String? = nil,
                secretKeySecret: String? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.accessKeySecret = accessKeySecret
        self.secretKeySecret = secretKeySecret
    }
}

extension DatasetStore {
    var remotesPath: String { "\(root)/remotes.json" }

    /// The remotes, by name.
    public func remotes() throws -> [RemoteConfig] {
        guard FileIO.exists(remotesPath) else { return [] }
        guard let remotes = try? JSONDecoder().decode([RemoteConfig].self, from: Data(FileIO.read(remotesPath))) else {
            throw DatasetError.remote("\(remotesPath) is not a list of remotes; fix or remove it")
        }
        return remotes.sorted { $0.name < $1.name }
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
        try DatasetName.validate(remote.name)
        var all = try remotes()
        guard !all.contains(where: { $0.name == remote.name }) else {
            throw DatasetError.remote("a remote named \(remote.name) exists; remove it first (wf datasets remote rm \(remote.name))")
        }
        all.append(remote)
        try writeRemotes(all)
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
