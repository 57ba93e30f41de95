/// How two versions' files differ, path by path.
public struct TreeDiff: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case added(TreeEntry)
        case removed(TreeEntry)
        /// Same path, different bytes or mode.
        case changed(from: TreeEntry, to: TreeEntry)

        public var path: String {
            switch self {
            case .added(let entry), .removed(let entry): return entry.path
            case .changed(_, let entry): return entry.path
            }
        }
    }

    public let changes: [Change]
    public var isEmpty: Bool { changes.isEmpty }

    /// Changes from `old` to `new`, in path order. Both trees are sorted by path bytes.
    public init(from old: Tree, to new: Tree) {
        var changes = [Change]()
        var i = 0, j = 0
        let a = old.entries, b = new.entries
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && Array(a[i].path.utf8).lexicographicallyPrecedes(Array(b[j].path.utf8))) {
                changes.append(.removed(a[i])); i += 1
            } else if i == a.count || a[i].path != b[j].path {
                changes.append(.added(b[j])); j += 1
            } else {
                if a[i].blob != b[j].blob || a[i].executable != b[j].executable { changes.append(.changed(from: a[i], to: b[j])) }
                i += 1; j += 1
            }
        }
        self.changes = changes
    }
}
