import Foundation
import GitSource
import Testing

@Suite("Mirrors")
struct MirrorTests {
    /// A source repository with branches main and feature, an annotated tag and a note-like ref.
    private func sourceFixture() throws -> GitFixture {
        let fixture = GitFixture()
        try fixture.makeRepository("source")
        try fixture.commit("source", ["a.txt": "1"])
        try fixture.git("source", "tag", "-a", "v1", "-m", "version 1")
        try fixture.git("source", "branch", "feature")
        try fixture.commit("source", ["a.txt": "2"])
        try fixture.git("source", "update-ref", "refs/custom/thing", "HEAD~1")
        return fixture
    }

    /// Every ref and what it points to, as `git for-each-ref` lists them.
    private func refs(_ fixture: GitFixture, _ folder: String) throws -> String {
        try fixture.git(folder, "for-each-ref", "--format=%(objectname) %(refname)")
    }

    @Test(arguments: [false, true])
    func aMirrorHasEveryRefOfTheSource(fileURL: Bool) throws {
        let fixture = try sourceFixture()
        let url = fileURL ? "file://" + fixture("source") : fixture("source")
        let mirror = try GitRepository.cloneMirror(url: url, to: fixture("mirror.git"), credentials: nil)
        #expect(mirror.isBare)
        #expect(mirror.remoteURL() == url)
        #expect(try refs(fixture, "mirror.git") == (try refs(fixture, "source")))
        #expect(try refs(fixture, "mirror.git").contains("refs/custom/thing"))
        #expect(try mirror.head() == (try fixture.git("source", "rev-parse", "main"), "main"))
        #expect(try fixture.git("mirror.git", "config", "remote.origin.mirror") == "true")
        #expect(try fixture.git("mirror.git", "config", "remote.origin.fetch") == "+refs/*:refs/*")
        // The git command sees a sound repository.
        try fixture.git("mirror.git", "fsck", "--no-progress")
    }

    @Test func theMirrorFollowsTheSourcesDefaultBranch() throws {
        let fixture = try sourceFixture()
        try fixture.git("source", "checkout", "-q", "feature")
        let mirror = try GitRepository.cloneMirror(url: fixture("source"), to: fixture("mirror.git"), credentials: nil)
        #expect(try mirror.head().branch == "feature")
    }

    @Test func fetchBringsNewCommitsAndPrunesDeletedRefs() throws {
        let fixture = try sourceFixture()
        let mirror = try GitRepository.cloneMirror(url: fixture("source"), to: fixture("mirror.git"), credentials: nil)
        #expect(try mirror.resolve("feature") == (try fixture.git("source", "rev-parse", "feature")))

        let pushed = try fixture.commit("source", ["a.txt": "3"], message: "pushed later")
        try fixture.git("source", "branch", "-D", "feature")
        try fixture.git("source", "tag", "v2")
        try fixture.git("source", "tag", "-d", "v1")
        try mirror.fetch(credentials: nil)

        #expect(try mirror.resolve("main") == pushed)
        #expect(try mirror.head().commit == pushed)
        #expect(try mirror.file("a.txt", at: "main") == Data("3".utf8))
        #expect(try mirror.resolve("v2") == pushed)
        #expect(throws: GitError.self) { try mirror.resolve("feature") }
        #expect(throws: GitError.self) { try mirror.resolve("refs/tags/v1") }
        #expect(try refs(fixture, "mirror.git") == (try refs(fixture, "source")))
        // A second fetch with nothing new is a no-op, not an error.
        try mirror.fetch(credentials: nil)
        #expect(try refs(fixture, "mirror.git") == (try refs(fixture, "source")))
    }

    @Test func anEmptySourceGivesAnEmptyMirrorThatFetchesLater() throws {
        let fixture = GitFixture()
        try fixture.makeRepository("source")
        let mirror = try GitRepository.cloneMirror(url: fixture("source"), to: fixture("mirror.git"), credentials: nil)
        #expect(throws: GitError.self) { try mirror.head() }
        let commit = try fixture.commit("source", ["a.txt": "1"])
        try mirror.fetch(credentials: nil)
        #expect(try mirror.head() == (commit, "main"))
    }

    @Test func aBadURLIsAnErrorNamingItAndLeavesNothingBehind() throws {
        let fixture = GitFixture()
        for url in [fixture("no-such-repository"), "file://" + fixture("no-such-repository"), "http://127.0.0.1:1/x.git"] {
            let error = try #require(throws: GitError.self) {
                try GitRepository.cloneMirror(url: url, to: fixture("mirror.git"), credentials: nil)
            }
            #expect(error.description.contains(url), "\(error)")
            #expect(!FileManager.default.fileExists(atPath: fixture("mirror.git")))
        }
    }

    @Test func refusesANonEmptyDestination() throws {
        let fixture = try sourceFixture()
        try fixture.scratch.write("mirror.git/precious.txt", "keep")
        let error = try #require(throws: GitError.self) {
            try GitRepository.cloneMirror(url: fixture("source"), to: fixture("mirror.git"), credentials: nil)
        }
        #expect(error.kind == .badDestination)
        #expect(try fixture.scratch.read("mirror.git/precious.txt") == "keep")
    }
}
