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
