import Foundation
import Testing
import GitSource
@testable import Triggers

/// Webhook payloads as GitHub, Gitea and GitLab send them, their signatures, and the
/// repository URLs they must match.
@Suite struct WebhookTests {
    /// The shape of a real GitHub push delivery (abridged only in the commit list).
    static let githubPush = #"""
        {"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5",
         "repository":{"id":186853002,"node_id":"MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=","name":"text-gen","full_name":"me/text-gen","private":false,
           "owner":{"name":"me","login":"me"},"html_url":"https://github.com/me/text-gen","url":"https://github.com/me/text-gen",
           "git_url":"git://github.com/me/text-gen.git","ssh_url":"git@github.com:me/text-gen.git","clone_url":"https://github.com/me/text-gen.git",
           "default_branch":"main","master_branch":"main"},
         "pusher":{"name":"me","email":"me@example.com"},"sender":{"login":"me","id":21031067},"created":false,"deleted":false,"forced":false,
         "base_ref":null,"compare":"https://github.com/me/text-gen/compare/6113728f27ae...59b20b8d5c6f",
         "commits":[{"id":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","message":"settings: seed 7","timestamp":"2026-11-22T03:00:00Z",
           "added":[],"removed":[],"modified":["settings.json"]}],
         "head_commit":{"id":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","message":"settings: seed 7"}}
        """#

    @Test func githubPushesPingsAndOtherEventsAreRead() throws {
        let push = try WebhookEvent.parse(forge: .github, event: "push", body: Array(Self.githubPush.utf8))
        guard case .push(let ref, let after, let urls) = push else { Issue.record("not a push: \(push)"); return }
        #expect(ref == "refs/heads/main" && after == "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5")
        #expect(Set(urls.map(RepositoryURL.init)) == [RepositoryURL("https://github.com/me/text-gen")])
        #expect(try WebhookEvent.parse(forge: .github, event: "ping", body: Array(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8)) == .ping)
        #expect(try WebhookEvent.parse(forge: .github, event: "issues", body: Array("{}".utf8)) == .other("issues"))
        #expect(throws: WebhookEvent.Malformed.self) { try WebhookEvent.parse(forge: .github, event: "push", body: Array("{not json".utf8)) }
        #expect(throws: WebhookEvent.Malformed.self) { try WebhookEvent.parse(forge: .github, event: "push", body: Array(#"{"ref":"refs/heads/main","after":"xyz"}"#.utf8)) }
    }

    @Test func olderPayloadsWithoutCloneURLAndOtherForgesMatchTheirLinks() throws {
        let older = #"{"ref":"refs/heads/main","after":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","repository":{"url":"https://github.com/me/text-gen","name":"text-gen"}}"#
        guard case .push(_, _, let urls)? = try? WebhookEvent.parse(forge: .github, event: "push", body: Array(older.utf8)) else { Issue.record("older shape"); return }
        #expect(urls.map(RepositoryURL.init).contains(RepositoryURL("git@github.com:me/text-gen.git")))
        let gitlab = #"{"object_kind":"push","ref":"refs/tags/v1","after":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","checkout_sha":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","project":{"git_http_url":"https://gitlab.example.com/me/text-gen.git","git_ssh_url":"git@gitlab.example.com:me/text-gen.git","web_url":"https://gitlab.example.com/me/text-gen"}}"#
        guard case .push(let ref, _, let gitlabURLs)? = try? WebhookEvent.parse(forge: .gitlab, event: "Tag Push Hook", body: Array(gitlab.utf8)) else { Issue.record("gitlab"); return }
        #expect(ref == "refs/tags/v1" && gitlabURLs.map(RepositoryURL.init).contains(RepositoryURL("ssh://git@GitLab.example.com:22/me/text-gen/")))
        let gitea = #"{"ref":"refs/heads/dev","before":"0000000000000000000000000000000000000000","after":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","repository":{"clone_url":"http://localhost:3000/me/text-gen.git","ssh_url":"git@localhost:me/text-gen.git","html_url":"http://localhost:3000/me/text-gen"}}"#
        #expect(try WebhookEvent.parse(forge: .gitea, event: "push", body: Array(gitea.utf8)) != .ping)
    }

    @Test func repositoryURLsCompareByWhatTheyName() {
        let same = ["https://github.com/me/text-gen.git", "https://user:token@GitHub.com/me/text-gen/", "git@github.com:me/text-gen",
                    "ssh://git@github.com/me/text-gen.git", "http://github.com:80/me/text-gen"]
        #expect(Set(same.map(RepositoryURL.init)).count == 1)
        #expect(RepositoryURL("https://github.com/me/other") != RepositoryURL(same[0]))
        #expect(RepositoryURL("/srv/git/project.git/") == RepositoryURL("file:///srv/git/project"))
    }

    @Test func credentialsInURLsAreDroppedForLogs() {
        #expect(RepositoryURL.redacted("https://user:token@github.com/me/x.git") == "https://github.com/me/x.git")
        #expect(RepositoryURL.redacted("https://ghp_token@github.com/me/x") == "https://github.com/me/x")
        #expect(RepositoryURL.redacted("git@github.com:me/x.git") == "git@github.com:me/x.git")
        #expect(RepositoryURL.redacted("/srv/git/x.git") == "/srv/git/x.git")
        #expect(RepositoryURL.hasCredentials("http://a:b@host/x") && !RepositoryURL.hasCredentials("https://host/x@y"))
    }

    /// Commit ids are ASCII hex: 40 fullwidth digits ("０"…) are hex digits to Swift's
    /// `Character.isHexDigit`, and once passed the check.
    @Test func fullwidthDigitsAreNotACommitID() throws {
        let fullwidth = String(repeating: "\u{FF10}", count: 40)
        let body = Array(Self.githubPush.replacingOccurrences(of: "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5", with: fullwidth).utf8)
        #expect(throws: WebhookEvent.Malformed.self) { try WebhookEvent.parse(forge: .github, event: "push", body: body) }
    }

    /// `application/x-www-form-urlencoded` deliveries: the JSON in the `payload` field. GitHub
    /// signs the form body as sent; Gitea signs the JSON before encoding it (its
    /// `services/webhook/deliver.go`); GitLab sends JSON only.
    @Test func formDeliveriesAreReadAndCheckedAsEachForgeSignsThem() throws {
        let json = Array(Self.githubPush.utf8)
        // Encoded as Go's url.Values.Encode and GitHub do: spaces as '+', everything else outside unreserved as %XX.
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = Self.githubPush.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
        let form = Array(("payload=" + encoded).utf8)
        let secret = "It's a Secret to Everybody"

        let github = try WebhookBody.decode(forge: .github, contentType: "application/x-www-form-urlencoded", body: form)
        #expect(github.payload == json && github.signed == form)
        #expect(WebhookSignature.isValid(forge: .github, proof: WebhookSignature.sign(form, secret: secret, forge: .github), body: github.signed, secret: secret))
        #expect(!WebhookSignature.isValid(forge: .github, proof: WebhookSignature.sign(json, secret: secret, forge: .github), body: github.signed, secret: secret))
        #expect(try WebhookEvent.parse(forge: .github, event: "push", body: github.payload) == WebhookEvent.parse(forge: .github, event: "push", body: json))

        let gitea = try WebhookBody.decode(forge: .gitea, contentType: "application/x-www-form-urlencoded; charset=utf-8", body: form)
        #expect(gitea.payload == json && gitea.signed == json)
        #expect(WebhookSignature.isValid(forge: .gitea, proof: WebhookSignature.sign(json, secret: secret, forge: .gitea), body: gitea.signed, secret: secret))

        // A JSON body labelled a form (curl -d, URLSession) is JSON.
        #expect(try WebhookBody.decode(forge: .gitlab, contentType: "application/x-www-form-urlencoded", body: json) == WebhookBody(payload: json, signed: json))
        #expect(throws: WebhookBody.Unreadable(status: 415, reason: "gitlab deliveries are application/json, not application/x-www-form-urlencoded")) {
            try WebhookBody.decode(forge: .gitlab, contentType: "application/x-www-form-urlencoded", body: form)
        }
        #expect(throws: WebhookBody.Unreadable.self) { try WebhookBody.decode(forge: .github, contentType: "application/x-www-form-urlencoded", body: Array("other=1".utf8)) }
        #expect(throws: WebhookBody.Unreadable.self) { try WebhookBody.decode(forge: .github, contentType: "text/plain", body: json) }
        // JSON deliveries are signed as sent, by every forge; no content type means JSON.
        #expect(try WebhookBody.decode(forge: .gitea, contentType: nil, body: json) == WebhookBody(payload: json, signed: json))
        // Percent-decoding as WHATWG's form parser: '+' is a space, a stray '%' stays itself.
        #expect(try WebhookBody.formField("payload", in: Array("a=1&payload=x+y%2Bz%zz%4".utf8)) == Array("x y+z%zz%4".utf8))
    }

    @Test func signaturesAreCheckedForEachForge() {
        let body = Array(Self.githubPush.utf8), secret = "It's a Secret to Everybody"
        for forge in WebhookEvent.Forge.allCases {
            let proof = WebhookSignature.sign(body, secret: secret, forge: forge)
            #expect(WebhookSignature.isValid(forge: forge, proof: proof, body: body, secret: secret), "\(forge)")
            #expect(!WebhookSignature.isValid(forge: forge, proof: proof, body: body + [0x20], secret: secret) || forge == .gitlab, "\(forge): body changed")
            #expect(!WebhookSignature.isValid(forge: forge, proof: proof, body: body, secret: secret + "x"), "\(forge): wrong secret")
            #expect(!WebhookSignature.isValid(forge: forge, proof: nil, body: body, secret: secret))
        }
        // GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
        #expect(WebhookSignature.isValid(forge: .github, proof: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                                         body: Array("Hello, World!".utf8), secret: secret))
        #expect(!WebhookSignature.isValid(forge: .github, proof: "sha256=zz", body: body, secret: secret))
    }
}
