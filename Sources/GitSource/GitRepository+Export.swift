import CGit2
import Foundation

extension GitRepository {
    /// Writes the files of `commit` (any revision) into `directory`, which must exist and be
    /// empty: regular files with their executable bit, symbolic links as links, no `.git`.
    /// This is what a job sees as its checkout; it works from bare repositories too.
    public func export(commit: String, to directory: String) throws {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw GitError(.badDestination, operation: "export \(commit)", location: directory,
                           message: "the destination folder does not exist or cannot be read")
        }
        guard entries.isEmpty else {
            throw GitError(.badDestination, operation: "export \(commit)", location: directory,
                           message: "the destination folder is not empty")
        }
        try lock.withLock {
            let tree = try rootTree(at: commit)
            defer { git_tree_free(tree) }
            var options = git_checkout_options()
            git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
            // FORCE writes every file of the tree, whatever HEAD and the index say; the
            // repository's own index and work tree stay untouched (DONT_UPDATE_INDEX), and
            // libgit2's path checks refuse entries such as `.git` or `../x` as git does.
            options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_DONT_UPDATE_INDEX.rawValue
            // Submodules (gitlinks) are commits of other repositories, which an export does not
            // fetch: only the tree's own files are checked out, named exactly (no pathspec
            // globbing). A bare mirror has no work tree for libgit2 to look submodules up in.
            let (files, entries) = try Self.filePaths(of: tree)
            if files.count < entries { options.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH.rawValue }
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            let skipsSomething = (options.checkout_strategy & GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH.rawValue) != 0
            if skipsSomething && files.isEmpty { return }  // nothing but submodules
            var cStrings = files.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            try cStrings.withUnsafeMutableBufferPointer { pointers in
                try absolute.withCString { target in
                    options.target_directory = target
                    if skipsSomething {
                        options.paths = git_strarray(strings: pointers.baseAddress, count: pointers.count)
                    }
                    try GitError.check(git_checkout_tree(pointer, tree, &options), "export \(commit) to \(absolute)", at: gitDirectory)
                }
            }
        }
    }

    /// Paths of the blobs (files and symbolic links) in `tree`, and how many entries are not
    /// folders (blobs and gitlinks): fewer paths than entries means gitlinks to leave out.
    static func filePaths(of tree: OpaquePointer) throws -> (paths: [String], entries: Int) {
        final class Collected { var paths = [String](); var entries = 0 }
        let collected = Collected()
        let status = git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
            let box = Unmanaged<Collected>.fromOpaque(payload!).takeUnretainedValue()
            guard let entry, git_tree_entry_type(entry) != GIT_OBJECT_TREE else { return 0 }
            box.entries += 1
            if git_tree_entry_type(entry) == GIT_OBJECT_BLOB {
                box.paths.append(String(cString: root!) + String(cString: git_tree_entry_name(entry)))
            }
            return 0
        }, Unmanaged.passUnretained(collected).toOpaque())
        guard status == 0 else { throw GitError(.failed, operation: "list the files of a tree", location: "", message: "git_tree_walk failed (\(status))") }
        return (collected.paths, collected.entries)
    }
}
