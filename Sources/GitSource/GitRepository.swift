import CGit2
import Foundation

/// An open git repository (a checkout or a bare repository), read and updated through libgit2.
///
/// libgit2 objects may move between threads but must not be used by two at once, so every
/// call takes `lock`; that makes one `GitRepository` safe to share.
public final class GitRepository: @unchecked Sendable {
    let pointer: OpaquePointer
    let lock = NSLock()
    /// The git directory (`.../.git` or the bare repository), for error messages.
    public let gitDirectory: String

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
        gitDirectory = GitRepository.trimmed(String(cString: git_repository_path(pointer)))
    }

    deinit { git_repository_free(pointer) }

    /// The repository that contains `path`, searching upward from it as `git rev-parse` does;
    /// `path` may also be a bare repository or a `.git` folder.
    public static func open(_ path: String) throws -> GitRepository {
        LibGit2.initialise()
        var repository: OpaquePointer?
        // Flags 0: search parent folders, stop at file-system boundaries (git's default).
        try GitError.check(git_repository_open_ext(&repository, path, 0, nil), "open", at: path, notFound: .notARepository)
        return GitRepository(repository!)
    }

    /// The top folder of the work tree, without a trailing slash; nil for a bare repository.
    public var workTree: String? {
        lock.withLock { git_repository_workdir(pointer).map { GitRepository.trimmed(String(cString: $0)) } }
    }

    public var isBare: Bool { lock.withLock { git_repository_is_bare(pointer) == 1 } }

    /// The commit HEAD points to, and the branch's short name (`main`), nil when HEAD is detached.
    public func head() throws -> (commit: String, branch: String?) {
        try lock.withLock {
            var reference: OpaquePointer?
            try GitError.check(git_repository_head(&reference, pointer), "read HEAD", at: gitDirectory)
            defer { git_reference_free(reference) }
            var commit: OpaquePointer?
            try GitError.check(git_reference_peel(&commit, reference, GIT_OBJECT_COMMIT), "read HEAD", at: gitDirectory)
            defer { git_object_free(commit) }
            let branch = git_repository_head_detached(pointer) == 1 ? nil : String(cString: git_reference_shorthand(reference))
            return (GitRepository.hex(git_object_id(commit)), branch)
        }
    }

    /// The 40-hex id of the commit any revision names: a branch (`main`, `origin/main`), a tag
    /// (annotated tags are peeled), a full or short id, a full ref name, or `HEAD~1`.
    public func resolve(_ revision: String) throws -> String {
        try lock.withLock {
            let commit = try lookupCommit(revision)
            defer { git_object_free(commit) }
            return GitRepository.hex(git_object_id(commit))
        }
    }

    /// The URL of the remote `name`; nil when there is no such remote.
    public func remoteURL(_ name: String = "origin") -> String? {
        lock.withLock {
            var remote: OpaquePointer?
            guard git_remote_lookup(&remote, pointer, name) == 0 else {
                git_error_clear()
                return nil
            }
            defer { git_remote_free(remote) }
            return git_remote_url(remote).map { String(cString: $0) }
        }
    }

    /// The commit `revision` names, peeled from tags; the caller frees it. Call with `lock` held.
    func lookupCommit(_ revision: String) throws -> OpaquePointer {
        var object: OpaquePointer?
        try GitError.check(git_revparse_single(&object, pointer, revision), "resolve '\(revision)'", at: gitDirectory,
                           notFound: .unknownRevision)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        // A tag of a tree or blob has no commit; say so as a missing commit would be said.
        try GitError.check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "resolve '\(revision)' to a commit",
                           at: gitDirectory, notFound: .unknownRevision)
        return commit!
    }

    /// An object id as 40 lowercase hex digits.
    static func hex(_ oid: UnsafePointer<git_oid>) -> String {
        // git_oid_tostr_s formats into a per-thread buffer, which we copy at once.
        String(cString: git_oid_tostr_s(oid))
    }

    /// libgit2 ends folder paths with "/"; `git rev-parse` and users do not.
    static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
