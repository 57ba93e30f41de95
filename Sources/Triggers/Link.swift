import Datasets
import Foundation
import GitSource

/// A repository wf watches: pushes to it (seen by polling its bare mirror, or announced by a
/// webhook) run its `.gradient/workflows/*.yaml` at the pushed commit.
public struct Link: Sendable, Codable, Equatable {
    /// How wf authenticates to a private remote.
    public enum Credentials: Sendable, Codable, Equatable {
        /// HTTPS with a token (GitHub, Gitea and GitLab all take a token as the password).
        case token(username: String, token: SecretSource)
        /// SSH with a private key file.
        case sshKey(path: String, passphrase: SecretSource?)
    }

    public var name: String
    /// The remote's URL, or an absolute path to a repository on this machine.
    public var url: String
    /// Only pushes to this branch count; nil watches every branch and tag.
    public var branch: String?
    /// Seconds between fetches; 0 leaves it to webhooks.
    public var pollSeconds: Int
    public var credentials: Credentials?
    public var webhookSecret: SecretSource?
    public var created: Timestamp
    /// Model ids its settings name, mapped to local model folders (`wf link --model gpt2=PATH`).
    public var models: [String: String]?

    public init(name: String, url: String, branch: String? = nil, pollSeconds: Int = 60, credentials: Credentials? = nil,
                webhookSecret: SecretSource? = nil, created: Timestamp = .now(), models: [String: String]? = nil) {
        self.models = models
        self.name = name
        self.url = url
        self.branch = branch
        self.pollSeconds = pollSeconds
        self.credentials = credentials
        self.webhookSecret = webhookSecret
        self.created = created
    }

    /// A name from the URL: `https://host/o/my-repo.git` → `my-repo`.
    public static func defaultName(for url: String) -> String {
        let last = RepositoryURL(url).key.split(separator: "/").last.map(String.init) ?? "repository"
        let cleaned = String(last.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "-" })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "repository" : cleaned
    }

    /// The credentials for libgit2, read now from their sources.
    func gitCredentials() throws -> GitCredentials? {
        switch credentials {
        case nil: return nil
        case .token(let username, let token)?: return .https(username: username, token: try token.value())
        case .sshKey(let path, let passphrase)?: return .sshKey(path, passphrase: try passphrase?.value())
        }
    }

    /// Whether a push to `ref` concerns this link.
    func watches(_ ref: String) -> Bool {
        guard let branch else { return ref.hasPrefix("refs/heads/") || ref.hasPrefix("refs/tags/") }
        return ref == "refs/heads/\(branch)"
    }
}
