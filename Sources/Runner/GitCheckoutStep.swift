import Foundation
import GitSource
import Workflows

/// `git-checkout@v1` into the job's volume (or dataset) output. `url: context.event.github.url`
/// (or no url) is the checkout `wf run` was started from, copied with its uncommitted changes;
/// any other url is cloned through libgit2 at `ref` (a branch, tag or commit; the default
/// branch when absent), with `username` and `password` (usually `secret:NAME`) for private
/// repositories.
struct GitCheckoutStep {
    let context: StepContext
    var job: Job { context.job }

    func run() throws -> StepResult {
        let folder = try context.folderOutput(for: "git-checkout@v1", accepting: ["volume", "dataset"])
        let isLocal: Bool
        switch job.with["url"] {
        case nil, .context("event.github.url")?: isLocal = true
        default: isLocal = false
        }
        if isLocal {
            try CheckoutCopy.copy(context.checkout, to: folder)
            context.log.line("copied the checkout \(context.checkout) at \(context.commit.map { String($0.prefix(12)) } ?? "no commit")")
            return StepResult()
        }
        guard let url = try context.text("url"), !url.isEmpty else {
            throw RunError.unsupported(job: job.name, detail: "git-checkout@v1: with: url is empty")
        }
        let ref = try context.text("ref")
        var credentials: GitCredentials?
        if let password = try context.text("password") {
            credentials = .https(username: try context.text("username") ?? "git", token: password)
        }
        do {
            let commit = try GitRepository.checkout(url: url, ref: ref, into: folder, credentials: credentials)
            context.log.line("checked out \(CheckoutSource.withoutPassword(url)) at \(ref ?? "its default branch") (\(commit.prefix(12)))")
        } catch let error as GitError {
            throw RunError.failed(job: job.name, detail: "\(error)")
        }
        return StepResult()
    }
}
