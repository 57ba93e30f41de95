import Foundation
import GitSource
import Testing

@Suite("HEAD")
struct HeadTests {
    @Test func headIsTheBranchAndItsCommit() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.commit(["a.txt": "1"])
        try fixture.git("repo", "checkout", "-q", "-b", "feature/x")
        let commit = try fixture.commit(["a.txt": "2"])
        let head = try GitRepository.open(fixture("repo")).head()
        #expect(head.commit == commit)
        #expect(head.commit.count == 40)
        #expect(head.branch == "feature/x")
        #expect(head.branch == (try fixture.git("repo", "rev-parse", "--abbrev-ref", "HEAD")))
    }

    @Test func aDetachedHeadHasNoBranch() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let first = try fixture.commit(["a.txt": "1"])
        try fixture.commit(["a.txt": "2"])
        try fixture.git("repo", "checkout", "-q", "--detach", first)
        let head = try GitRepository.open(fixture("repo")).head()
        #expect(head.commit == first)
        #expect(head.branch == nil)
    }

    @Test func anUnbornHeadSaysToCommitFirst() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let error = try #require(throws: GitError.self) { try GitRepository.open(fixture("repo")).head() }
        #expect(error.kind == .unbornHead)
        #expect(error.description.contains("no commits"))
        #expect(error.location == (try fixture.git("repo", "rev-parse", "--absolute-git-dir")))
    }

    @Test func aBareMirrorHasAHead() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let commit = try fixture.commit(["a.txt": "1"])
        try fixture.git("", "clone", "-q", "--mirror", fixture("repo"), fixture("mirror.git"))
        let head = try GitRepository.open(fixture("mirror.git")).head()
        #expect(head == (commit, "main"))
    }
}
