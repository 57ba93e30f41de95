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
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            try absolute.withCString { target in
                options.target_directory = target
                try GitError.check(git_checkout_tree(pointer, tree, &options), "export \(commit) to \(absolute)", at: gitDirectory)
            }
        }
    }
}
