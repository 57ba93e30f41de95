import Foundation
import GitSource
import Testing

@Suite("Exporting a commit's files")
struct ExportTests {
    @Test func writesTheTreeWithExecBitsAndSymlinksAndNoGitFolder() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.scratch.write("repo/run.sh", "#!/bin/sh\necho hi\n", executable: true)
        try fixture.scratch.write("repo/src/deep/model.py", "print(1)\n")
        try fixture.scratch.write("repo/data.bin", bytes: [0, 255, 13, 10])
        try FileManager.default.createSymbolicLink(atPath: fixture("repo/link"), withDestinationPath: "src/deep/model.py")
        let commit = try fixture.commit([:])
        try fixture.commit(["later.txt": "not in the export"])
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)

        try GitRepository.open(fixture("repo")).export(commit: commit, to: fixture("out"))

        let manager = FileManager.default
        let exported = try manager.subpathsOfDirectory(atPath: fixture("out")).sorted()
        #expect(exported == ["data.bin", "link", "run.sh", "src", "src/deep", "src/deep/model.py"])
        let tracked = try fixture.git("repo", "ls-tree", "-r", "--name-only", commit).split(separator: "\n").map(String.init)
        #expect(tracked == ["data.bin", "link", "run.sh", "src/deep/model.py"])
        #expect(manager.contents(atPath: fixture("out/data.bin")) == Data([0, 255, 13, 10]))
        #expect(try String(contentsOfFile: fixture("out/run.sh"), encoding: .utf8) == "#!/bin/sh\necho hi\n")
        #expect(manager.isExecutableFile(atPath: fixture("out/run.sh")))
        #expect(!manager.isExecutableFile(atPath: fixture("out/src/deep/model.py")))
        #expect(try manager.destinationOfSymbolicLink(atPath: fixture("out/link")) == "src/deep/model.py")
        #expect(try manager.attributesOfItem(atPath: fixture("out/link"))[.type] as? FileAttributeType == .typeSymbolicLink)
        // The repository's own work tree and index are untouched.
        #expect(try fixture.git("repo", "status", "--porcelain").isEmpty)
    }

    @Test func exportsFromABareMirror() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        let commit = try fixture.commit(["a/b.txt": "b", "c.txt": "c"])
        try fixture.git("", "clone", "-q", "--mirror", fixture("repo"), fixture("mirror.git"))
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        try GitRepository.open(fixture("mirror.git")).export(commit: commit, to: fixture("out"))
        #expect(fixture.scratch.files(under: "out") == ["a/b.txt", "c.txt"])
        #expect(!FileManager.default.fileExists(atPath: fixture("mirror.git/index")))
    }

    /// A commit with a submodule (or a stray gitlink) exports its files without it: a bare
    /// mirror has no work tree to check submodules out into (libgit2 once failed with
    /// "cannot get submodules without a working tree").
    @Test func skipsSubmodulesAndStrayGitlinks() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.git("", "init", "-q", "-b", "main", fixture("inner"))
        try fixture.git("inner", "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "--allow-empty", "-m", "inner")
        try fixture.git("repo", "-c", "protocol.file.allow=always", "submodule", "add", "-q", fixture("inner"), "vendor/inner")
        let innerCommit = try fixture.git("inner", "rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        try fixture.git("repo", "update-index", "--add", "--cacheinfo", "160000,\(innerCommit),stray")
        try fixture.scratch.write("repo/a.txt", "a")
        try fixture.git("repo", "add", "a.txt")
        try fixture.git("repo", "commit", "-q", "-m", "a submodule and a stray gitlink")
        let commit = try fixture.git("repo", "rev-parse", "HEAD")
        #expect(try fixture.git("repo", "ls-tree", "-r", commit).contains("160000 commit \(innerCommit)\tstray"))
        try fixture.git("", "clone", "-q", "--mirror", fixture("repo"), fixture("mirror.git"))
        try FileManager.default.createDirectory(atPath: fixture("out"), withIntermediateDirectories: true)
        try GitRepository.open(fixture("mirror.git")).export(commit: commit, to: fixture("out"))
        #expect(fixture.scratch.files(under: "out") == [".gitmodules", "a.txt"])
    }

    @Test func refusesAFolderThatIsNotEmptyOrMissing() throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.commit(["a.txt": "new"])
        try fixture.scratch.write("out/a.txt", "mine")
        let repository = try GitRepository.open(fixture("repo"))
        let error = try #require(throws: GitError.self) { try repository.export(commit: "HEAD", to: fixture("out")) }
        #expect(error.kind == .badDestination)
        #expect(error.description.contains(fixture("out")))
        #expect(try fixture.scratch.read("out/a.txt") == "mine")
        let missing = try #require(throws: GitError.self) { try repository.export(commit: "HEAD", to: fixture("missing")) }
        #expect(missing.kind == .badDestination)
    }
}
