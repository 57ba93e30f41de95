import Foundation

/// What to answer when a remote asks who we are: a username and token (or password) for
/// HTTPS, or an SSH private key file with its optional passphrase.
///
/// Secrets never appear in `description`, `debugDescription` or `dump` output: credentials
/// travel through logs, error messages and run records, and a token printed once is leaked.
public struct GitCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    enum Secret: Sendable {
        case token(username: String, token: String)
        case sshKey(username: String?, privateKey: String, passphrase: String?)
    }

    let secret: Secret

    /// HTTPS basic authentication. Hosting services take an access token as the password; the
    /// username matters to some (GitHub accepts any non-empty one with a token).
    public static func https(username: String, token: String) -> GitCredentials {
        GitCredentials(secret: .token(username: username, token: token))
    }

    /// SSH public-key authentication with the private key at `privateKeyPath`; `KEY.pub` beside
    /// it is used when present. `username` defaults to the URL's (`git@host:...`), else `git`.
    public static func sshKey(_ privateKeyPath: String, passphrase: String? = nil, username: String? = nil) -> GitCredentials {
        GitCredentials(secret: .sshKey(username: username, privateKey: privateKeyPath, passphrase: passphrase))
    }

    /// The username these credentials name, if any.
    public var username: String? {
        switch secret {
        case .token(let username, _): return username
        case .sshKey(let username, _, _): return username
        }
    }

    public var description: String {
        switch secret {
        case .token(let username, _):
            return "GitCredentials(https, username: \(username), token: <redacted>)"
        case .sshKey(let username, let key, let passphrase):
            return "GitCredentials(ssh, username: \(username ?? "from the URL"), key: \(key), passphrase: \(passphrase == nil ? "none" : "<redacted>"))"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and debuggers walk the mirror; give them the redacted text only.
    public var customMirror: Mirror { Mirror(self, children: ["description": description], displayStyle: .struct) }

    /// The strings that must be masked wherever libgit2's messages are shown.
    var secrets: [String] {
        switch secret {
        case .token(_, let token): return [token]
        case .sshKey(_, _, let passphrase): return passphrase.map { [$0] } ?? []
        }
    }
}
