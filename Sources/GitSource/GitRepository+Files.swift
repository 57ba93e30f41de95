import CGit2
import Foundation

/// Reading files as they are in a commit, without a checkout: workflows and settings are read
/// at the pushed commit, not from whatever the work tree holds.
extension GitRepository {
    /// The bytes of the file at `path` (relative to the repository's top, `/`-separated) in
    /// `commit` (any revision). nil when no file is there, including when `path` is a folder.
    /// A symbolic link gives its target path, as `git show` does.
    public func file(_ path: String, at commit: String) throws -> Data? {
        try lock.withLock {
            guard let components = GitRepository.components(path), !components.isEmpty else { return nil }
            guard let entry = try treeEntry(components.joined(separator: "/"), at: commit) else { return nil }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            var blob: OpaquePointer?
            try GitError.check(git_blob_lookup(&blob, pointer, git_tree_entry_id(entry)), "read \(path) at \(commit)", at: gitDirectory)
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            guard size > 0, let bytes = git_blob_rawcontent(blob) else { return Data() }
            return Data(bytes: bytes, count: size)
        }
    }

    /// The names of the files (not folders; symbolic links count as files) directly inside
    /// `directory` in `commit`, sorted by their bytes. [] when there is no such folder.
    /// `""` or `"."` is the top of the repository.
    public func files(in directory: String, at commit: String) throws -> [String] {
        try lock.withLock {
            guard let components = GitRepository.components(directory) else { return [] }
            let tree: OpaquePointer
            if components.isEmpty {
                tree = try rootTree(at: commit)
            } else {
                guard let entry = try treeEntry(components.joined(separator: "/"), at: commit) else { return [] }
                defer { git_tree_entry_free(entry) }
                guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
                var subtree: OpaquePointer?
                try GitError.check(git_tree_lookup(&subtree, pointer, git_tree_entry_id(entry)), "list \(directory) at \(commit)",
                                   at: gitDirectory)
                tree = subtree!
            }
            defer { git_tree_free(tree) }
            var names = [String]()
            for index in 0..<git_tree_entrycount(tree) {
                let entry = git_tree_entry_byindex(tree, index)
                if git_tree_entry_type(entry) == GIT_OBJECT_BLOB { names.append(String(cString: git_tree_entry_name(entry))) }
            }
            // Byte order, so the result does not depend on Unicode collation.
            return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    /// The top tree of `commit`; the caller frees it. Call with `lock` held.
    func rootTree(at commit: String) throws -> OpaquePointer {
        let object = try lookupCommit(commit)
        defer { git_object_free(object) }
        var tree: OpaquePointer?
        try GitError.check(git_commit_tree(&tree, object), "read the tree of \(commit)", at: gitDirectory)
        return tree!
    }

    /// The entry at `path` in `commit`'s tree, nil when there is none; the caller frees it.
    private func treeEntry(_ path: String, at commit: String) throws -> OpaquePointer? {
        let tree = try rootTree(at: commit)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, path)
        if code == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try GitError.check(code, "read \(path) at \(commit)", at: gitDirectory)
        return entry
    }

    /// `path`'s components without empty and "." ones; nil when it climbs out with "..".
    static func components(_ path: String) -> [String]? {
        let parts = path.split(separator: "/").map(String.init).filter { $0 != "." }
        return parts.contains("..") ? nil : parts
    }
}
