/// A version: a tree, its place in a dataset's history, and where it came from. The record's
/// canonical JSON is stored under `records/` and its sha256 is the version id:
///
///     {"created":"2026-11-21T22:26:00.123Z","dataset":"generated-text","kind":"version",
///      "message":"…","parent":"<id>"|null,"provenance":{…},"tree":"<id>"}
public struct VersionRecord: Sendable, Equatable {
    public var dataset: String
    public var parent: ObjectID?
    public var tree: ObjectID
    public var created: Timestamp
    public var message: String
    public var provenance: Provenance

    public var canonicalBytes: [UInt8] {
        CanonicalJSON.object([
            "kind": .string("version"),
            "dataset": .string(dataset),
            "parent": parent.map { .string($0.hex) } ?? .null,
            "tree": .string(tree.hex),
            "created": .string(created.iso8601),
            "message": .string(message),
            "provenance": provenance.canonical,
        ]).bytes
    }

    public var id: ObjectID { ObjectID.of(canonicalBytes) }
}

/// A tag pointing at a version. Moving a tag writes a new record; the newest one wins when
/// the index is rebuilt from records.
///
///     {"created":"…","dataset":"…","kind":"tag","tag":"v1","version":"<id>"}
public struct TagRecord: Sendable, Equatable {
    public var dataset: String
    public var tag: String
    public var version: ObjectID
    public var created: Timestamp

    public var canonicalBytes: [UInt8] {
        CanonicalJSON.object([
            "kind": .string("tag"),
            "dataset": .string(dataset),
            "tag": .string(tag),
            "version": .string(version.hex),
            "created": .string(created.iso8601),
        ]).bytes
    }

    public var id: ObjectID { ObjectID.of(canonicalBytes) }
}

/// A record read back from `records/`.
enum StoredRecord {
    case version(VersionRecord)
    case tag(TagRecord)

    /// Decodes canonical record bytes; nil when they are not a record this store wrote.
    static func decode(_ bytes: [UInt8]) -> StoredRecord? {
        guard let fields = CanonicalJSON.parse(bytes)?.objectValue,
              let dataset = fields["dataset"]?.stringValue,
              let created = fields["created"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        let decoded: StoredRecord
        switch fields["kind"]?.stringValue {
        case "version":
            guard let tree = fields["tree"]?.stringValue.flatMap(ObjectID.init(hex:)),
                  let message = fields["message"]?.stringValue,
                  let parentField = fields["parent"],
                  let provenance = fields["provenance"].flatMap(Provenance.init(canonical:)) else { return nil }
            let parent = parentField.stringValue.flatMap(ObjectID.init(hex:))
            if parent == nil && !parentField.isNull { return nil }
            decoded = .version(VersionRecord(dataset: dataset, parent: parent, tree: tree, created: created, message: message, provenance: provenance))
        case "tag":
            guard let tag = fields["tag"]?.stringValue,
                  let version = fields["version"]?.stringValue.flatMap(ObjectID.init(hex:)) else { return nil }
            decoded = .tag(TagRecord(dataset: dataset, tag: tag, version: version, created: created))
        default:
            return nil
        }
        // Only the exact canonical form is a record; anything else was not written by the store.
        switch decoded {
        case .version(let record): return record.canonicalBytes == bytes ? decoded : nil
        case .tag(let record): return record.canonicalBytes == bytes ? decoded : nil
        }
    }
}
