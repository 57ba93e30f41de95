/// Two versions compared: the files added, removed and changed, and for text files their
/// unified diff (`UnifiedDiff`). One shape for `wf datasets diff --json` and the read API's
/// `GET /api/datasets/{name}/diff`.
public struct VersionDiff: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        /// `added`, `removed` or `changed`.
        public var change: String
        public var oldSize: Int64?
        public var newSize: Int64?
        public var oldSHA256: ObjectID?
        public var newSHA256: ObjectID?
        /// The unified diff's hunks (`@@ -a,b +c,d @@` and their lines) of a text file; nil
        /// when not asked for, or when a side is binary or over `UnifiedDiff.maximumBytes`.
        public var hunks: [String]?
        /// True when a side is binary or too large to diff by line.
        public var binary: Bool?
    }

    /// The two versions as `NAME:ID` references.
    public var old: String
    public var new: String
    public var identical: Bool
    public var files: [File]

    /// Compares `old` with `new`; `context` > 0 or `lines` adds each text file's hunks.
    public init(from old: VersionInfo, to new: VersionInfo, in store: DatasetStore, lines: Bool, context: Int = 3) throws {
        let diff = TreeDiff(from: try store.tree(of: old), to: try store.tree(of: new))
        self.old = old.reference
        self.new = new.reference
        identical = diff.isEmpty
        files = try diff.changes.map { change in
            var file: File
            switch change {
            case .added(let e): file = File(path: e.path, change: "added", newSize: e.size, newSHA256: e.blob)
            case .removed(let e): file = File(path: e.path, change: "removed", oldSize: e.size, oldSHA256: e.blob)
            case .changed(let x, let y):
                file = File(path: y.path, change: "changed", oldSize: x.size, newSize: y.size, oldSHA256: x.blob, newSHA256: y.blob)
            }
            if lines {
                let (before, after) = try Self.texts(of: change, in: store)
                if let before, let after {
                    file.hunks = UnifiedDiff.hunks(from: before, to: after, context: context)
                } else {
                    file.binary = true
                }
            }
            return file
        }
    }

    /// Both sides as text, or nil for a side that is binary or too large (an absent side is "").
    public static func texts(of change: TreeDiff.Change, in store: DatasetStore) throws -> (String?, String?) {
        func text(_ entry: TreeEntry?) throws -> String? {
            guard let entry else { return "" }
            guard entry.size <= UnifiedDiff.maximumBytes else { return nil }
            let bytes = try store.blob(entry.blob)
            return UnifiedDiff.isText(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
        }
        switch change {
        case .added(let e): return (try text(nil), try text(e))
        case .removed(let e): return (try text(e), try text(nil))
        case .changed(let x, let y): return (try text(x), try text(y))
        }
    }
}
