import Datasets
import Foundation

/// Errors that say nothing about the run itself, only about the moment: no file descriptors
/// or memory left, a full disk, a busy index, the network down. A run failing on one is tried
/// again later instead of being failed for good.
public enum TransientFailure {
    /// Attempts in all (the first and its retries) before a transient failure is final.
    public static let maxAttempts = 5

    /// The errno values that name a passing condition.
    static let codes: [Int32] = [EMFILE, ENFILE, ENOSPC, EDQUOT, ENOMEM, EAGAIN, ECONNREFUSED, ECONNRESET, ETIMEDOUT,
                                 ENETUNREACH, EHOSTUNREACH, ENETDOWN, EPIPE]

    /// Whether `error` is transient. Typed store errors are read by their cause; a run's error
    /// arrives as text (secrets are masked in it), so the system's own message for each code
    /// is looked for in it, as are resolver failures.
    public static func isTransient(_ error: Error) -> Bool {
        switch error {
        case DatasetError.io(_, _, let code): return codes.contains(code)
        case DatasetError.indexUnavailable(_, let cause, _): return cause == .full || cause == .busy || cause == .io
        default:
            let text = "\(error)"
            if codes.contains(where: { text.contains(String(cString: strerror($0))) }) { return true }
            return text.contains("Temporary failure in name resolution") || text.contains("database is locked")
        }
    }

    /// The wait before attempt `attempt + 1`, or nil when the error is not transient or the
    /// attempts are spent: `base` doubled per attempt, ±10%, at most ten minutes.
    public static func retryDelay(for error: Error, attempt: Int, base: TimeInterval) -> TimeInterval? {
        guard attempt < maxAttempts, isTransient(error) else { return nil }
        return min(600, base * pow(2, Double(max(0, attempt - 1)))) * Double.random(in: 0.9...1.1)
    }
}
