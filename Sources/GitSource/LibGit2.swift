import CGit2

/// libgit2's process-wide setup.
///
/// `git_libgit2_init` must run before any other call and sets up global state (allocators,
/// TLS and SSH back ends, per-thread error slots), so it must not race with itself. A Swift
/// `static let` is initialised lazily under `swift_once`, exactly once whichever thread asks
/// first, which is the thread safety we need. We never call `git_libgit2_shutdown`: other
/// threads may still hold repositories, and the process exit frees everything anyway.
enum LibGit2 {
    private static let initialisations: Int32 = git_libgit2_init()

    static func initialise() {
        // A negative count means libgit2 could not allocate its globals; nothing can work then.
        precondition(initialisations > 0, "libgit2 failed to initialise (git_libgit2_init returned \(initialisations))")
    }
}
