import Foundation
import GitSource

/// Where a local run's code comes from, through libgit2: the checkout's HEAD commit, whether
/// it has uncommitted changes, and the repository to name in provenance (the `origin` URL
/// when there is one, so versions from clones of one repository name the same source; else
/// the checkout's path). A folder that is not a git checkout has no commit.
struct CheckoutSource {
    let commit: String?
    let isDirty: Bool
    let repository: String

    /// A source named by the caller: an exported tree has no `.git` to read.
    init(repository: String, commit: String) {
        self.commit = commit
        isDirty = false
        self.repository = RepositoryURL.redacted(repository)
    }

    init(_ path: String) {
        let repository = try? GitRepository.open(path)
        commit = try? repository?.head().commit
        // wf's own folders, when the wf home is the checkout, are not the repository's changes.
        isDirty = (try? repository?.isDirty(ignoring: ["datasets", "runs"])) ?? false
        self.repository = repository?.remoteURL().map(RepositoryURL.redacted) ?? path
    }
}
