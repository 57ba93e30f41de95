import Datasets

/// One (link, commit, workflow) to run. The triple is unique among the queue's pushes, which
/// is what makes each of them run once however many times a push is reported; a re-run asked
/// for through the API (`rerunOf`) repeats a triple on purpose.
public struct QueueItem: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case queued, running, succeeded, failed
        /// Cut off twice by daemon crashes: not tried again.
        case interrupted
        /// Cancelled through the API, waiting or running; nothing was committed.
        case cancelled
        /// Run by another daemon sharing the store (`RunClaim`); its version reaches this
        /// daemon's history at the next synchronization.
        case skipped
    }

    /// Who reported the commit first.
    public enum Source: String, Sendable, Codable {
        case poll, webhook, trigger
        /// A re-run of an earlier run (or of one of its jobs and what depends on it).
        case rerun
    }

    public var id: Int64
    public var link: String
    public var commit: String
    public var ref: String
    /// The workflow file, relative to the repository.
    public var workflow: String
    public var source: Source
    public var status: Status
    public var attempts: Int
    public var enqueued: Timestamp
    public var started: Timestamp?
    public var finished: Timestamp?
    public var runID: String?
    public var detail: String?
    /// The run this item repeats.
    public var rerunOf: String?
    /// With `rerunOf`: the job that runs again, with the jobs that depend on it; nil runs them all.
    public var rerunJob: String?
}

/// A link with what the daemon last saw of it.
public struct LinkState: Sendable, Codable, Equatable {
    public var link: Link
    public var lastFetch: Timestamp?
    public var lastError: String?
    /// Consecutive failed fetches (the backoff grows with them).
    public var failures: Int
    /// Ref name → commit, as of the last fetch.
    public var heads: [String: String]
}
