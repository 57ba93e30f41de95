import Foundation
import GitSource
import Testing

@Suite("Resolving revisions and remotes")
struct ResolveTests {
    /// A source repository with two commits, an annotated and a lightweight tag, and a clone of it.
    private func clonedFixture() throws -> GitFixture {
        let fixture = GitFixture()
        try fixture.makeRepository("source")
        try fixture.commit("source", ["a.txt": "1"])
        try fixture.git("source", "tag", "-a", "v1", "-m", "version 1")
        try fixture.commit("source", ["a.txt": "2"])
        try fixture.git("source", "tag", "light")
        try fixture.git("", "clone", "-q", fixture("source"), fixture("repo"))
        try fixture.configure("repo")
        try fixture.commit("repo", ["b.txt": "local"])
        return fixture
    }

    @Test(arguments: ["main", "origin/main", "refs/tags/v1", "v1", "light", "HEAD~1", "HEAD", "refs/remotes/origin/main"])
    func resolvesLikeGitRevParse(_ revision: String) throws {
        let fixture = try clonedFixture()
        let expected = try fixture.git("repo", "rev-parse", "\(revision)^{commit}")
        #expect(try GitRepository.open(fixture("repo")).resolve(revision) == expected)
    }

    @Test func resolvesAShortId() throws {
        let fixture = try clonedFixture()
        let full = try fixture.git("repo", "rev-parse", "HEAD~1")
        #expect(try GitRepository.open(fixture("repo")).resolve(String(full.prefix(8))) == full)
    }

    @Test func annotatedTagsArePeeledToTheirCommit() throws {
        let fixture = try clonedFixture()
        let tagObject = try fixture.git("repo", "rev-parse", "v1")
        let commit = try fixture.git("repo", "rev-parse", "v1^{commit}")
        #expect(tagObject != commit)
        #expect(try GitRepository.open(fixture("repo")).resolve("v1") == commit)
    }

    @Test(arguments: ["no-such-branch", "0123456789abcdef0123456789abcdef01234567", "main..", "HEAD~99"])
    func anUnknownRevisionIsAnErrorNamingIt(_ revision: String) throws {
        let fixture = try clonedFixture()
        let error = try #require(throws: GitError.self) { try GitRepository.open(fixture("repo")).resolve(revision) }
        #expect(error.kind == .unknownRevision)
        #expect(error.description.contains(revision))
    }

    @Test func remoteURLIsWhatGitConfigSays() throws {
        let fixture = try clonedFixture()
        let repository = try GitRepository.open(fixture("repo"))
        #expect(repository.remoteURL() == (try fixture.git("repo", "remote", "get-url", "origin")))
        #expect(repository.remoteURL() == fixture("source"))
        try fixture.git("repo", "remote", "add", "upstream", "https://example.com/x.git")
        #expect(repository.remoteURL("upstream") == "https://example.com/x.git")
        #expect(repository.remoteURL("missing") == nil)
    }
}
