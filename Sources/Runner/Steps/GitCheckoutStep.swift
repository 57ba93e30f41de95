import Foundation
import GitSource
import Workflows

/// `git-checkout@v1` into the job's volume (or dataset) output. `url: context.event.github.url`
/// (or no url) is the checkout `wf run` was started from, copied with its uncommitted changes;
/// any other url is cloned through libgit2 at `ref` (a branch, tag or commit; the default
/// branch when absent), with `username` and `password` (usually `secret:NAME`) for private
/// repositories.
struct GitCheckoutStep: Step {
    let settings: GitCheckoutSettings

    func run(_ context: StepContext) throws -> StepResult {
        let job = context.job
        let folder = try context.folderOutput(for: "git-checkout@v1", accepting: ["volume", "dataset"])
        let url = try context.text(settings.url, key: "url") ?? ""
        let ref = try context.text(settings.ref, key: "ref")
        // This repository at this commit, however the workflow names it, is the checkout in hand.
        let isThisRepository = url.isEmpty || url == context.checkout || RepositoryURL(url) == RepositoryURL(context.repository)
        if isThisRepository && (ref == nil || ref == context.commit || settings.ref == .context("event.github.ref")) {
            try CheckoutCopy.copy(context.checkout, to: folder)
            context.log.line("copied the checkout \(context.checkout) at \(context.commit.map { String($0.prefix(12)) } ?? "no commit")")
            return StepResult()
        }
        try context.refuseHostPath(url, key: "url")
        var credentials: GitCredentials?
        if let password = try context.text(settings.password, key: "password") {
            credentials = .https(username: try context.text(settings.username, key: "username") ?? "git", token: password)
        }
        do {
            let commit = try GitRepository.checkout(url: url, ref: ref, into: folder, credentials: credentials)
            context.log.line("checked out \(RepositoryURL.redacted(url)) at \(ref ?? "its default branch") (\(commit.prefix(12)))")
        } catch let error as GitError {
            throw RunError.failed(job: job.name, detail: "\(error)")
        }
        return StepResult()
    }
}
