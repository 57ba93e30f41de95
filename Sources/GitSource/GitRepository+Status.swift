import CGit2

extension GitRepository {
    /// Whether the work tree differs from HEAD: staged or unstaged changes, deletions, or
    /// untracked files that are not ignored (as `git status --porcelain` would list).
    /// A bare repository has no work tree and throws.
    public func isDirty() throws -> Bool {
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
            return git_status_list_entrycount(list) > 0
        }
    }
}
