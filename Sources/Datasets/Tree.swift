/// One file of a version: where it goes, how big it is, whether it is executable, and the
/// blob that holds its bytes.
public struct TreeEntry: Sendable, Equatable, Codable {
    public var path: String
    public var size: Int64
    public var executable: Bool
    public var blob: ObjectID

    public init(path: String, size: Int64, executable: Bool, blob: ObjectID) {
        self.path = path
        self.size = size
        self.executable = executable
        self.blob = blob
    }

    public var mode: String { executable ? "755" : "644" }
}

/// The manifest of a version's files. Its canonical JSON is stored as a blob and its id is
/// that blob's sha256, so the same files always give the same tree id:
///
///     {"files":[{"mode":"644","path":"a/b.txt","sha256":"…","size":12},…],"kind":"tree"}
///
/// Entries are sorted by the UTF-8 bytes of their paths.
public struct Tree: Sendable, Equatable {
    public let entries: [TreeEntry]

    /// Sorts the entries; throws on an invalid or repeated path.
    public init(entries: [TreeEntry]) throws {
        let sorted = entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        for (index, entry) in sorted.enumerated() {
            try DatasetPath.validate(entry.path)
            if index > 0, sorted[index - 1].path == entry.path {
                throw DatasetError.invalidPathInDataset(entry.path, reason: "it appears twice")
            }
        }
        self.entries = sorted
    }

    public var fileCount: Int { entries.count }
    public var totalBytes: Int64 { entries.reduce(0) { $0 + $1.size } }

    public func entry(at path: String) -> TreeEntry? {
        entries.first { $0.path == path }
    }

    public var canonicalBytes: [UInt8] {
        CanonicalJSON.object([
            "kind": .string("tree"),
            "files": .array(entries.map { entry in
                .object([
                    "path": .string(entry.path),
                    "size": .integer(entry.size),
                    "mode": .string(entry.mode),
                    "sha256": .string(entry.blob.hex),
                ])
            }),
        ]).bytes
    }

    public var id: ObjectID { ObjectID.of(canonicalBytes) }

    /// Decodes a stored manifest; nil if the bytes are not a tree this store wrote.
    public static func decode(_ bytes: [UInt8]) -> Tree? {
        guard let object = CanonicalJSON.parse(bytes)?.objectValue,
              object["kind"]?.stringValue == "tree",
              let files = object["files"]?.arrayValue else { return nil }
        var entries = [TreeEntry]()
        entries.reserveCapacity(files.count)
        for file in files {
            guard let fields = file.objectValue,
                  let path = fields["path"]?.stringValue,
                  let size = fields["size"]?.integerValue, size >= 0,
                  let mode = fields["mode"]?.stringValue, mode == "644" || mode == "755",
                  let blobHex = fields["sha256"]?.stringValue, let blob = ObjectID(hex: blobHex) else { return nil }
            entries.append(TreeEntry(path: path, size: size, executable: mode == "755", blob: blob))
        }
        guard let tree = try? Tree(entries: entries), tree.canonicalBytes == bytes else { return nil }
        return tree
    }
}
