import Foundation

/// What a webhook delivery says, whichever forge sent it.
public enum WebhookEvent: Sendable, Equatable {
    case ping
    /// A push: `ref` (`refs/heads/main`, `refs/tags/v1`), the new commit (`after`, all zeros
    /// when the ref was deleted), and every URL the payload gives for the repository.
    case push(ref: String, after: String, repositoryURLs: [String])
    /// Any other event: answered, nothing done.
    case other(String)

    public enum Forge: String, Sendable, CaseIterable {
        case github, gitea, gitlab
    }

    public struct Malformed: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public var description: String { "malformed webhook body: \(reason)" }
    }

    /// Reads the event named by the forge's event header from the JSON body.
    public static func parse(forge: Forge, event: String?, body: [UInt8]) throws -> WebhookEvent {
        let name = (event ?? "").lowercased()
        if name == "ping" || name == "system hook" { return .ping }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Malformed(reason: "the body is not a JSON object")
        }
        let isPush: Bool
        switch forge {
        case .github, .gitea: isPush = name == "push"
        case .gitlab: isPush = name == "push hook" || name == "tag push hook" || (name.isEmpty && object["object_kind"] as? String == "push")
        }
        // GitHub pings carry `zen` and `hook_id`; some forges omit the event header.
        if name.isEmpty && object["zen"] != nil { return .ping }
        guard isPush || (name.isEmpty && object["ref"] != nil) else { return .other(name) }
        guard let ref = object["ref"] as? String, ref.hasPrefix("refs/") else { throw Malformed(reason: "a push needs \"ref\": \"refs/...\"") }
        guard let after = object["after"] as? String, after.count == 40, after.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            throw Malformed(reason: "a push needs \"after\": a 40-digit commit id")
        }
        var urls = [String]()
        for key in ["repository", "project"] {
            guard let repository = object[key] as? [String: Any] else { continue }
            for field in ["clone_url", "ssh_url", "git_url", "html_url", "url", "git_http_url", "git_ssh_url", "web_url", "homepage"] {
                if let url = repository[field] as? String, !url.isEmpty { urls.append(url) }
            }
        }
        guard !urls.isEmpty else { throw Malformed(reason: "the push names no repository URL") }
        return .push(ref: ref, after: after.lowercased(), repositoryURLs: urls)
    }
}
