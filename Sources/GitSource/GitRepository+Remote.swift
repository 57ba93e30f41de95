import CGit2
import Foundation

/// Mirrors and checkouts of remote repositories: what watching a repository and the
/// `git-checkout@v1` action need. Local paths and `file://` URLs work as well as HTTPS and SSH.
extension GitRepository {
    /// `git clone --mirror`: a new bare repository at `path` (which must not exist or be empty)
    /// holding every ref of `url` under the same name (`+refs/*:refs/*`), with HEAD naming
    /// the remote's default branch.
    public static func cloneMirror(url: String, to path: String, credentials: GitCredentials?) throws -> GitRepository {
        try cloneBare(url: url, to: path, refspecs: ["+refs/*:refs/*"], mirror: true, credentials: credentials)
    }

    /// Brings the refs of `remote` up to date, deleting those the remote no longer has (as
    /// `git fetch --prune`). In a bare repository HEAD follows the remote's default branch.
    public func fetch(remote: String = "origin", credentials: GitCredentials?) throws {
        try lock.withLock {
            try fetchLocked(remote: remote, credentials: credentials, followHead: git_repository_is_bare(pointer) == 1)
        }
    }

    /// Writes the tree of `ref` in the repository at `url` into `directory` (existing and empty)
    /// and returns the commit id. `ref` is a branch, a tag or a commit id (full or short);
    /// nil means the remote's default branch. The repository is fetched into a temporary bare
    /// repository, removed afterwards, so `directory` gets the files only, no `.git`.
    public static func checkout(url: String, ref: String?, into directory: String, credentials: GitCredentials?) throws -> String {
        try checkout(url: url, ref: ref, into: directory, credentials: credentials, temporaryParent: NSTemporaryDirectory())
    }

    /// `checkout`, with its temporary repository made inside `temporaryParent` (tests check it is removed).
    static func checkout(url: String, ref: String?, into directory: String, credentials: GitCredentials?,
                         temporaryParent: String) throws -> String {
        LibGit2.initialise()
        var template = Array((temporaryParent + "/wf-git-checkout-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw GitError(.failed, operation: "checkout", location: url, message: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Branches and tags only: a mirror would also fetch review refs (refs/pull/*), which can
        // outnumber the branches a hundred to one on busy hosting services.
        let repository = try cloneBare(url: url, to: scratch + "/repository.git",
                                       refspecs: ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                                       mirror: false, credentials: credentials)
        let revision = ref ?? "HEAD"
        let commit: String
        do {
            commit = try repository.resolve(revision)
        } catch var error as GitError {
            // The temporary repository means nothing to the user; the URL and ref do.
            error.location = GitError.masked(url)
            error.operation = "checkout" + (ref.map { " '\($0)'" } ?? "")
            error.message = ref == nil ? "the remote has no default branch (it may have no commits)"
                : "the remote has no branch, tag or commit '\(revision)' (\(error.message))"
            throw error
        }
        try repository.export(commit: commit, to: directory)
        return commit
    }

    /// A bare repository at `path` with the remote `origin` at `url`, fetched with `refspecs`.
    /// On failure nothing is left at `path`, so a retry starts clean.
    private static func cloneBare(url: String, to path: String, refspecs: [String], mirror: Bool,
                                  credentials: GitCredentials?) throws -> GitRepository {
        LibGit2.initialise()
        let existed = FileManager.default.fileExists(atPath: path)
        if existed, let entries = try? FileManager.default.contentsOfDirectory(atPath: path), !entries.isEmpty {
            throw GitError(.badDestination, operation: "clone", location: path, message: "the destination folder is not empty")
        }
        do {
            var options = git_repository_init_options()
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION))
            options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
                | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
            var pointer: OpaquePointer?
            try GitError.check(git_repository_init_ext(&pointer, path, &options), "create a repository", at: path)
            let repository = GitRepository(pointer!)
            try repository.lock.withLock {
                var remote: OpaquePointer?
                try GitError.check(git_remote_create_with_fetchspec(&remote, repository.pointer, "origin", url, refspecs[0]),
                                   "add the remote", at: url)
                git_remote_free(remote)
                for refspec in refspecs.dropFirst() {
                    try GitError.check(git_remote_add_fetch(repository.pointer, "origin", refspec), "add a refspec", at: url)
                }
                if mirror {
                    // What `git clone --mirror` writes, so the git command treats it as a mirror too.
                    var config: OpaquePointer?
                    try GitError.check(git_repository_config(&config, repository.pointer), "configure the mirror", at: path)
                    defer { git_config_free(config) }
                    try GitError.check(git_config_set_bool(config, "remote.origin.mirror", 1), "configure the mirror", at: path)
                }
                try repository.fetchLocked(remote: "origin", credentials: credentials, followHead: true)
            }
            return repository
        } catch {
            if existed {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                    try? FileManager.default.removeItem(atPath: path + "/" + entry)
                }
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
            throw error
        }
    }

    /// The folder a URL names when it is local as git reads it: `file://PATH`, or a path
    /// without `scheme://` and without the `host:` of scp-like SSH addresses (`git@host:x.git`).
    static func localPath(_ url: String) -> String? {
        if url.hasPrefix("file://") { return String(url.dropFirst(7)).removingPercentEncoding ?? String(url.dropFirst(7)) }
        if url.contains("://") { return nil }
        guard let colon = url.firstIndex(of: ":") else { return url }
        return url[..<colon].contains("/") ? url : nil
    }

    /// Fetches `remote` with pruning; with `followHead`, points HEAD at the remote's default
    /// branch. Call with `lock` held.
    func fetchLocked(remote name: String, credentials: GitCredentials?, followHead: Bool) throws {
        var remote: OpaquePointer?
        try GitError.check(git_remote_lookup(&remote, pointer, name), "fetch from the remote '\(name)'", at: gitDirectory)
        defer { git_remote_free(remote) }
        let url = git_remote_url(remote).map { String(cString: $0) } ?? name
        // libgit2 takes a missing local path for a URL it cannot parse ("unsupported URL
        // protocol"); say what is really wrong.
        if let path = GitRepository.localPath(url), !FileManager.default.fileExists(atPath: path) {
            throw GitError(.notARepository, operation: "fetch", location: url, message: "there is no repository at \(path)")
        }
        let secrets = credentials?.secrets ?? []
        let request = CredentialRequest(credentials)
        try withExtendedLifetime(request) {
            do {
                var callbacks = git_remote_callbacks()
                git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
                request.install(in: &callbacks)
                // Connect first to learn the remote's default branch (its HEAD), which a fetch of
                // refs/* does not transfer; git_remote_fetch then reuses this connection.
                let connected = git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil)
                if connected < 0 {
                    // Failing to connect is a network problem (refused, no such host, timeout)
                    // unless libgit2 knows better (credentials, certificates).
                    var error = GitError.last(connected, operation: "fetch", location: url)
                    if error.kind == .failed { error.kind = .network }
                    throw error
                }
                defer { git_remote_disconnect(remote) }
                var defaultBranch: String?
                var buffer = git_buf()
                if git_remote_default_branch(&buffer, remote) == 0, let text = buffer.ptr {
                    defaultBranch = String(cString: text)
                } else {
                    // An empty repository has no default branch yet; that is not an error.
                    git_error_clear()
                }
                git_buf_dispose(&buffer)

                var options = git_fetch_options()
                git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
                options.callbacks = callbacks
                options.prune = GIT_FETCH_PRUNE
                try GitError.check(git_remote_fetch(remote, nil, &options, "fetch"), "fetch", at: url)
                if followHead, let defaultBranch {
                    try GitError.check(git_repository_set_head(pointer, defaultBranch), "point HEAD at \(defaultBranch)", at: gitDirectory)
                }
            } catch let error as GitError {
                throw error.redacting(secrets)
            }
        }
    }
}
