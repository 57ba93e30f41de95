import Foundation
import GitSource
import Testing

@Suite("Files at a commit")
struct FilesTests {
    @Test func readsAFileAsItWasInEachCommit() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let first = try fixture.commit(["settings.yaml": "seed: 1\n"])
        let second = try fixture.commit(["settings.yaml": "seed: 2\n"])
        try fixture.scratch.write("repo/settings.yaml", "seed: uncommitted\n")
        let repository = try GitRepository.open(fixture("repo"))
        #expect(try repository.file("settings.yaml", at: first) == Data("seed: 1\n".utf8))
        #expect(try repository.file("settings.yaml", at: second) == Data("seed: 2\n".utf8))
        #expect(try repository.file("settings.yaml", at: "HEAD~1") == Data("seed: 1\n".utf8))
        // The same bytes `git show` gives.
        let shown = try fixture.git("repo", "show", "\(first):settings.yaml")
        #expect(try repository.file("./settings.yaml", at: first) == Data((shown + "\n").utf8))
    }

    @Test func binaryAndEmptyFilesKeepTheirBytes() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let bytes: [UInt8] = [0, 1, 2, 255, 0, 13, 10, 128]
        try fixture.scratch.write("repo/data/blob.bin", bytes: bytes)
        try fixture.scratch.write("repo/empty", "")
        let commit = try fixture.commit([:])
        let repository = try GitRepository.open(fixture("repo"))
        #expect(try repository.file("data/blob.bin", at: commit) == Data(bytes))
        #expect(try repository.file("empty", at: commit) == Data())
    }

    @Test func aMissingPathOrAFolderIsNil() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let commit = try fixture.commit(["a/b.txt": "x"])
        let repository = try GitRepository.open(fixture("repo"))
        #expect(try repository.file("nope.txt", at: commit) == nil)
        #expect(try repository.file("a/nope.txt", at: commit) == nil)
        #expect(try repository.file("nope/b.txt", at: commit) == nil)
        #expect(try repository.file("a/b.txt/c", at: commit) == nil)
        #expect(try repository.file("a", at: commit) == nil)
        #expect(try repository.file("", at: commit) == nil)
        #expect(try repository.file("../a/b.txt", at: commit) == nil)
        #expect(try repository.file("a/b.txt", at: commit) == Data("x".utf8))
    }

    @Test func aMissingCommitIsAnError() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.commit(["a.txt": "x"])
        let error = try #require(throws: GitError.self) { try GitRepository.open(fixture("repo")).file("a.txt", at: "nope") }
        #expect(error.kind == .unknownRevision)
    }

    @Test func listsTheFilesOfAFolderNotItsSubfolders() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.commit([
            ".gradient/workflows/train.yaml": "a",
            ".gradient/workflows/generate.yaml": "b",
            ".gradient/workflows/Zeta.yaml": "c",
            ".gradient/workflows/old/archived.yaml": "d",
            ".gradient/settings.yaml": "e",
            "README.md": "f",
        ])
        try fixture.git("repo", "rm", "-q", "README.md")
        try fixture.git("repo", "commit", "-q", "-m", "drop the readme")
        try fixture.scratch.write("repo/.gradient/workflows/uncommitted.yaml", "g")
        let repository = try GitRepository.open(fixture("repo"))
        let listed = try repository.files(in: ".gradient/workflows", at: "HEAD")
        #expect(listed == ["Zeta.yaml", "generate.yaml", "train.yaml"])
        // `git ls-tree` agrees (it lists in the same byte order).
        let reference = try fixture.git("repo", "ls-tree", "HEAD:.gradient/workflows/").split(separator: "\n")
            .filter { $0.contains(" blob ") }.map { String($0.split(separator: "\t")[1]) }
        #expect(listed == reference)
        #expect(try repository.files(in: ".gradient/workflows/old/", at: "HEAD") == ["archived.yaml"])
        #expect(try repository.files(in: ".gradient", at: "HEAD") == ["settings.yaml"])
        #expect(try repository.files(in: "", at: "HEAD") == [])
        #expect(try repository.files(in: ".", at: "HEAD~1") == ["README.md"])
    }

    @Test func aMissingFolderOrAFileListsNothing() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let commit = try fixture.commit(["a.txt": "x"])
        let repository = try GitRepository.open(fixture("repo"))
        #expect(try repository.files(in: ".gradient/workflows", at: commit) == [])
        #expect(try repository.files(in: "a.txt", at: commit) == [])
    }
}
