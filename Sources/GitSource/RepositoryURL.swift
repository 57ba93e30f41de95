import Foundation

/// A repository address reduced to what identifies it, so that the URL a link was made with
/// and the several URLs a webhook payload carries (`clone_url`, `ssh_url`, `html_url`, older
/// payloads' bare `url`) compare equal: `https://user@GitHub.com/o/r.git`,
/// `git@github.com:o/r` and `ssh://git@github.com/o/r/` are all `github.com/o/r`. Local paths
/// (and `file://` URLs) are their standardized absolute path.
public struct RepositoryURL: Hashable, Sendable, CustomStringConvertible {
    public let key: String

    public init(_ text: String) {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("file://") { value = String(value.dropFirst("file://".count)) }
        if value.hasPrefix("/") {
            key = URL(fileURLWithPath: value).standardized.path.replacingOccurrences(of: #"/+$"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"\.git$"#, with: "", options: .regularExpression)
            return
        }
        if let scheme = value.range(of: "://") { value = String(value[scheme.upperBound...]) }
        else if let colon = value.firstIndex(of: ":"), !value[..<colon].contains("/") {
            // scp-like `git@host:owner/repo`
            value = value.replacingCharacters(in: colon...colon, with: "/")
        }
        if let at = value.firstIndex(of: "@"), value[..<at].firstIndex(of: "/") == nil { value = String(value[value.index(after: at)...]) }
        var parts = value.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if !parts.isEmpty {
            // The host is case-insensitive and a default port says nothing.
            parts[0] = parts[0].lowercased().replacingOccurrences(of: #":(443|80|22)$"#, with: "", options: .regularExpression)
        }
        if let last = parts.last, last.hasSuffix(".git") { parts[parts.count - 1] = String(last.dropLast(4)) }
        key = parts.joined(separator: "/").lowercased()
    }

    public var description: String { key }

    /// `url` with any user name and password of an http(s) URL removed (`https://TOKEN@host/x`
    /// names a token as the user), for logs and provenance, which everyone may read. ssh and
    /// scp-like URLs keep their user (`git@host:o/r`): it is no secret.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), ["http", "https"].contains(url[..<scheme.lowerBound].lowercased()) else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }

    /// Whether an http(s) URL carries a user name or password.
    public static func hasCredentials(_ url: String) -> Bool { redacted(url) != url }
}
