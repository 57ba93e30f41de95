/// A version as the index knows it: the record plus its position and size.
public struct VersionInfo: Sendable, Equatable, Codable {
    public var id: ObjectID
    public var dataset: String
    /// 1 for the first version of the dataset, counting up along the parents.
    public var sequence: Int
    public var parent: ObjectID?
    public var tree: ObjectID
    public var created: Timestamp
    public var message: String
    public var files: Int
    public var bytes: Int64
    public var provenance: Provenance
    public var tags: [String]

    /// `NAME:ID12`, the reference users copy.
    public var reference: String { "\(dataset):\(id.short)" }

    var record: VersionRecord {
        VersionRecord(dataset: dataset, parent: parent, tree: tree, created: created, message: message, provenance: provenance)
    }
}

/// One line of `wf datasets ls`.
public struct DatasetSummary: Sendable, Equatable, Codable {
    public var name: String
    public var versions: Int
    public var latest: ObjectID
    /// Bytes of the latest version.
    public var bytes: Int64
    public var files: Int
    public var updated: Timestamp
}
