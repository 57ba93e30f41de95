import CGit2

extension GitRepository {
    /// Whether the work tree differs from HEAD: staged or unstaged changes, deletions, or
    /// untracked files that are not ignored (as `git status --porcelain` would list).
    /// A bare repository has no work tree and throws.
    /// - Parameter ignoring: top-level folders whose changes do not count (wf's own `datasets/`
    ///   and `runs/` when the wf home is the checkout).
    public func isDirty(ignoring: Set<String> = []) throws -> Bool {
        try lock.withLock {
            var options = git_status_options()
            git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION))
            options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
            // Untracked folders are reported once, not file by file: we only need to know if
            // there is anything, and big untracked trees (build output) would be slow to walk.
            options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue
            var list: OpaquePointer?
            try GitError.check(git_status_list_new(&list, pointer, &options), "read the status", at: gitDirectory)
            defer { git_status_list_free(list) }
            for index in 0..<git_status_list_entrycount(list) {
                guard let entry = git_status_byindex(list, index)?.pointee else { continue }
                let delta = entry.index_to_workdir ?? entry.head_to_index
                let path = delta.flatMap { $0.pointee.new_file.path }.map { String(cString: $0) } ?? ""
                let top = path.split(separator: "/", maxSplits: 1).first.map(String.init) ?? path
                if !ignoring.contains(top) { return true }
            }
            return false
        }
    }
}
