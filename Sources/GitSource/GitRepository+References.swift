import CGit2

extension GitRepository {
    /// The references whose full names match `glob` (`refs/heads/*`, `refs/tags/*`), sorted by
    /// name, each with the commit it names (annotated tags peeled). References that name no
    /// commit (a tag of a tree) are left out.
    public func references(matching glob: String) throws -> [(name: String, commit: String)] {
        try lock.withLock {
            var iterator: OpaquePointer?
            try GitError.check(git_reference_iterator_glob_new(&iterator, pointer, glob), "list references '\(glob)'", at: gitDirectory)
            defer { git_reference_iterator_free(iterator) }
            var found = [(name: String, commit: String)]()
            var reference: OpaquePointer?
            while git_reference_next(&reference, iterator) == 0 {
                defer { git_reference_free(reference) }
                let name = String(cString: git_reference_name(reference))
                var commit: OpaquePointer?
                guard git_reference_peel(&commit, reference, GIT_OBJECT_COMMIT) == 0 else { git_error_clear(); continue }
                defer { git_object_free(commit) }
                found.append((name, GitRepository.hex(git_object_id(commit))))
            }
            git_error_clear()  // the iterator ends with GIT_ITEROVER
            return found.sorted { $0.name < $1.name }
        }
    }
}
