import Foundation
import GitSource
import Testing

@Suite("Credentials")
struct CredentialsTests {
    private let token = "ghp_S3cretToken1234567890"

    @Test func descriptionsNeverShowTheSecret() throws {
        let https = GitCredentials.https(username: "alice", token: token)
        let ssh = GitCredentials.sshKey("/home/alice/.ssh/id_ed25519", passphrase: "correct horse battery", username: "git")
        for (credentials, secret) in [(https, token), (ssh, "correct horse battery")] {
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in [credentials.description, "\(credentials)", String(reflecting: credentials), dumped, "\([credentials])"] {
                #expect(!text.contains(secret), "\(text)")
                #expect(text.contains("<redacted>"), "\(text)")
            }
        }
        #expect(https.description.contains("alice"))
        #expect(https.username == "alice")
        #expect(ssh.description.contains("/home/alice/.ssh/id_ed25519"))
    }

    @Test func aPasswordInAURLIsMaskedInErrors() throws {
        let fixture = GitFixture()
        let error = try #require(throws: GitError.self) {
            try GitRepository.cloneMirror(url: "http://bob:hunter2@127.0.0.1:1/x.git", to: fixture("mirror.git"), credentials: nil)
        }
        #expect(!error.description.contains("hunter2"), "\(error)")
        #expect(error.description.contains("http://bob:<redacted>@127.0.0.1:1/x.git"), "\(error)")
        #expect(error.kind == .network)
    }

    /// A served repository with one commit, and a server that wants alice and `token`.
    private func served() throws -> (GitFixture, SmartHTTPServer, commit: String) {
        let fixture = GitFixture()
        try fixture.makeRepository("source")
        let commit = try fixture.commit("source", ["a.txt": "served"])
        try fixture.git("", "clone", "-q", "--bare", fixture("source"), fixture("root/project.git"))
        let server = try SmartHTTPServer(root: fixture("root"), username: "alice", token: token)
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        return (fixture, server, commit)
    }

    @Test func theTokenIsSentWhenTheServerAsks() throws {
        let (fixture, server, commit) = try served()
        let credentials = GitCredentials.https(username: "alice", token: token)
        let checkedOut = try GitRepository.checkout(url: server.url("project.git"), ref: nil, into: fixture("out"), credentials: credentials)
        #expect(checkedOut == commit)
        #expect(try fixture.scratch.read("out/a.txt") == "served")

        let mirror = try GitRepository.cloneMirror(url: server.url("project.git"), to: fixture("mirror.git"), credentials: credentials)
        let later = try fixture.commit("source", ["a.txt": "later"])
        try fixture.git("source", "push", "-q", fixture("root/project.git"), "main")
        try mirror.fetch(credentials: credentials)
        #expect(try mirror.resolve("main") == later)

        let requests = server.requests
        #expect(requests.first?.status == 401)
        #expect(requests.contains { $0.status == 200 && $0.method == "POST" })
        #expect(requests.allSatisfy { $0.status == 401 || $0.authorization?.hasPrefix("Basic ") == true })
    }

    @Test func aRejectedTokenFailsPromptlyWithoutShowingIt() throws {
        let (fixture, server, _) = try served()
        let wrong = "ghp_WrongToken0000000000"
        let error = try #require(throws: GitError.self) {
            try GitRepository.checkout(url: server.url("project.git"), ref: nil, into: fixture("out"),
                                       credentials: .https(username: "alice", token: wrong))
        }
        #expect(error.kind == .authentication)
        #expect(error.description.contains(server.url("project.git")))
        #expect(error.description.contains("rejected"), "\(error)")
        #expect(!error.description.contains(wrong))
        // One try without credentials, one with them, then we give up instead of looping.
        #expect(server.requests.count <= 3, "\(server.requests.map(\.path))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture("out")) == [])
    }

    @Test func missingOrMismatchedCredentialsSaySo() throws {
        let (fixture, server, _) = try served()
        let none = try #require(throws: GitError.self) {
            try GitRepository.cloneMirror(url: server.url("project.git"), to: fixture("a.git"), credentials: nil)
        }
        #expect(none.kind == .authentication)
        #expect(none.description.contains("none were given"), "\(none)")
        let ssh = try #require(throws: GitError.self) {
            try GitRepository.cloneMirror(url: server.url("project.git"), to: fixture("b.git"), credentials: .sshKey(fixture("id_ed25519")))
        }
        #expect(ssh.kind == .authentication)
        #expect(ssh.description.contains("SSH key"), "\(ssh)")
    }
}
