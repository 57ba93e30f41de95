import CGit2
import Foundation

/// A git operation that failed: what was attempted, on which repository or URL, what libgit2
/// said, and (in `description`, one line) what to do next.
public struct GitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (for example, retry network failures).
    public enum Kind: Sendable, Equatable {
        /// No repository at or above the path.
        case notARepository
        /// HEAD names a branch that has no commits yet.
        case unbornHead
        /// A branch, tag or commit that the repository does not have.
        case unknownRevision
        /// The operation needs a work tree and the repository is bare.
        case bareRepository
        /// The server asked for credentials that were missing or that it rejected.
        case authentication
        /// The repository belongs to another user (git's `safe.directory` protection).
        case notOwned
        /// The server could not be reached, or its TLS certificate or SSH host key was not trusted.
        case network
        /// The destination folder is not empty, or (for an export, which needs it to exist) is missing.
        case badDestination
        /// Anything else; `message` has libgit2's words.
        case failed
    }

    public var kind: Kind
    /// What was attempted, e.g. "resolve 'main'" or "fetch".
    public var operation: String
    /// The repository's path or the remote's URL (with any password in it masked).
    public var location: String
    /// libgit2's own message (`git_error_last`), or ours when the failure is not libgit2's.
    public var message: String
    /// libgit2's return code (`GIT_ENOTFOUND`, ...), 0 when the failure is not libgit2's.
    public var code: Int32

    public init(_ kind: Kind, operation: String, location: String, message: String, code: Int32 = 0) {
        self.kind = kind
        self.operation = operation
        self.location = GitError.masked(location)
        self.message = message
        self.code = code
    }

    public var description: String {
        "git \(operation) failed for \(location): \(message); \(nextStep)"
    }

    /// The part of the message a user acts on.
    private var nextStep: String {
        switch kind {
        case .notARepository:
            return "check the path or URL: it must lead to a git repository or into a checkout (`git init` creates one)"
        case .unbornHead:
            return "the repository has no commits yet; commit something first (`git commit`)"
        case .unknownRevision:
            return "check the name; `git branch -a`, `git tag` and `git log --oneline` list what a repository has (`git ls-remote URL` for a remote)"
        case .bareRepository:
            return "this needs a checkout with a work tree, not a bare repository"
        case .authentication:
            return "check the username and token, or the SSH key and its passphrase, given for this repository"
        case .notOwned:
            return "the repository belongs to another user; if you trust it, run `git config --global --add safe.directory \(location)`"
        case .network:
            return "check the URL, the network and the server's certificate or host key (~/.ssh/known_hosts)"
        case .badDestination:
            return "give an empty folder (a clone also accepts one that does not exist yet)"
        case .failed:
            return "running the same operation with the `git` command may say more"
        }
    }

    /// The failure libgit2 just reported on this thread (its error slot is per thread, so this
    /// must be read right after the failing call, before any other libgit2 call).
    ///
    /// `notFound` is what `GIT_ENOTFOUND` means for this operation: a missing revision, no
    /// repository, and so on; libgit2 uses the one code for all of them.
    static func last(_ code: Int32, operation: String, location: String, notFound: Kind = .failed) -> GitError {
        var message = "libgit2 error \(code)"
        var errorClass: Int32 = 0
        if let error = git_error_last(), let text = error.pointee.message {
            message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            errorClass = error.pointee.klass
        }
        git_error_clear()
        return GitError(kind(code: code, errorClass: errorClass, notFound: notFound),
                        operation: operation, location: location, message: message, code: code)
    }

    private static func kind(code: Int32, errorClass: Int32, notFound: Kind) -> Kind {
        switch code {
        case GIT_EUNBORNBRANCH.rawValue: return .unbornHead
        case GIT_EBAREREPO.rawValue: return .bareRepository
        case GIT_EAUTH.rawValue: return .authentication
        case GIT_EOWNER.rawValue: return .notOwned
        case GIT_ECERTIFICATE.rawValue: return .network
        // A malformed revision ("main..") or a tag of a tree is as unknown to the user as a missing one.
        case GIT_ENOTFOUND.rawValue where notFound != .failed, GIT_EINVALIDSPEC.rawValue where notFound != .failed,
             GIT_EPEEL.rawValue where notFound != .failed:
            return notFound
        default: break
        }
        switch git_error_t(rawValue: UInt32(bitPattern: errorClass)) {
        case GIT_ERROR_NET, GIT_ERROR_HTTP, GIT_ERROR_SSH, GIT_ERROR_SSL: return .network
        default: return .failed
        }
    }

    /// Throws `last(...)` when `code` is negative; libgit2 returns 0 or a positive count on success.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String, at location: @autoclosure () -> String,
                      notFound: Kind = .failed) throws {
        guard code < 0 else { return }
        throw last(code, operation: operation(), location: location(), notFound: notFound)
    }

    /// This error with every occurrence of `secrets` masked: libgit2 may echo a URL that
    /// carries a token, and error text ends up in logs.
    func redacting(_ secrets: [String]) -> GitError {
        var copy = self
        for secret in secrets where !secret.isEmpty {
            copy.message = copy.message.replacingOccurrences(of: secret, with: "<redacted>")
            copy.location = copy.location.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return copy
    }

    /// `url` with the password of `scheme://user:password@host/...` masked, since error text
    /// is printed and logged.
    static func masked(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return url[..<rest.index(after: colon)] + "<redacted>" + url[at...]
    }
}
