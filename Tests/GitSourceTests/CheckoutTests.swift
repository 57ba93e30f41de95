import Foundation
@testable import GitSource
import Testing

@Suite("Checkouts of a remote")
struct CheckoutTests {
    /// main (two commits), branch feature (one more), annotated tag v1 on the first commit.
    private func sourceFixture() throws -> GitFixture {
        let fixture = GitFixture()
        try fixture.makeRepository("source")
        try fixture.commit("source", ["version.txt": "1", "run.sh": "#!/bin/sh\n"])
        try fixture.git("source", "tag", "-a", "v1", "-m", "version 1")
        try fixture.commit("source", ["version.txt": "2"])
        try fixture.git("source", "checkout", "-q", "-b", "feature")
        try fixture.commit("source", ["version.txt": "feature", "extra/file.txt": "x"])
        try fixture.git("source", "checkout", "-q", "main")
        try FileManager.default.createDirectory(atPath: fixture("tmp"), withIntermediateDirectories: true)
        return fixture
    }

    /// Checks out `ref` into a new folder and returns (commit, version.txt's text).
    private func checkout(_ fixture: GitFixture, _ ref: String?, _ folder: String) throws -> (String, String) {
        try FileManager.default.createDirectory(atPath: fixture(folder), withIntermediateDirectories: true)
        let commit = try GitRepository.checkout(url: "file://" + fixture("source"), ref: ref, into: fixture(folder),
                                                credentials: nil, temporaryParent: fixture("tmp"))
        #expect(!FileManager.default.fileExists(atPath: fixture("\(folder)/.git")))
        // The temporary repository is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture("tmp")) == [])
        return (commit, try fixture.scratch.read("\(folder)/version.txt"))
    }

    @Test func checksOutTheDefaultBranchABranchATagOrACommit() throws {
        let fixture = try sourceFixture()
        let main = try fixture.git("source", "rev-parse", "main")
        let feature = try fixture.git("source", "rev-parse", "feature")
        let tagged = try fixture.git("source", "rev-parse", "v1^{commit}")

        #expect(try checkout(fixture, nil, "default") == (main, "2"))
        #expect(try checkout(fixture, "main", "main") == (main, "2"))
        #expect(try checkout(fixture, "feature", "feature") == (feature, "feature"))
        #expect(fixture.scratch.files(under: "feature") == ["extra/file.txt", "run.sh", "version.txt"])
        #expect(try checkout(fixture, "v1", "tag") == (tagged, "1"))
        #expect(try checkout(fixture, "refs/tags/v1", "tag-ref") == (tagged, "1"))
        #expect(try checkout(fixture, tagged, "sha") == (tagged, "1"))
        #expect(try checkout(fixture, String(feature.prefix(10)), "short-sha") == (feature, "feature"))
    }

    @Test func anUnknownRefIsAnErrorNamingTheURLAndCleansUp() throws {
        let fixture = try sourceFixture()
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        let url = "file://" + fixture("source")
        let error = try #require(throws: GitError.self) {
            try GitRepository.checkout(url: url, ref: "no-such-branch", into: fixture("out"), credentials: nil,
                                       temporaryParent: fixture("tmp"))
        }
        #expect(error.kind == .unknownRevision)
        #expect(error.description.contains("no-such-branch"))
        #expect(error.description.contains(url))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture("tmp")) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture("out")) == [])
    }

    @Test func aBadURLIsAnErrorNamingIt() throws {
        let fixture = GitFixture()
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: fixture("tmp"), withIntermediateDirectories: true)
        let url = fixture("no-such-repository")
        let error = try #require(throws: GitError.self) {
            try GitRepository.checkout(url: url, ref: nil, into: fixture("out"), credentials: nil, temporaryParent: fixture("tmp"))
        }
        #expect(error.description.contains(url))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture("tmp")) == [])
    }

    @Test func thePublicEntryPointWorksToo() throws {
        let fixture = try sourceFixture()
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        let commit = try GitRepository.checkout(url: fixture("source"), ref: "feature", into: fixture("out"), credentials: nil)
        #expect(commit == (try fixture.git("source", "rev-parse", "feature")))
        #expect(try fixture.scratch.read("out/version.txt") == "feature")
    }
}
