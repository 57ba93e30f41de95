import Foundation
import GitSource
import Testing

@Suite("Dirty work trees")
struct StatusTests {
    /// A committed repository with an ignore rule; `change` alters it, then libgit2 and
    /// `git status --porcelain` must agree on whether it is dirty.
    private func check(expectDirty: Bool, _ change: (GitFixture) throws -> Void) throws {
        let fixture = GitFixture()
        try fixture.makeRepository()
        try fixture.commit([".gitignore": "*.log\nbuild/\n", "a.txt": "1", "dir/b.txt": "2"])
        try change(fixture)
        let porcelain = try fixture.git("repo", "status", "--porcelain")
        #expect(porcelain.isEmpty == !expectDirty, "git status says: \(porcelain)")
        #expect(try GitRepository.open(fixture("repo")).isDirty() == expectDirty)
    }

    @Test func aCleanCheckoutIsNotDirty() throws {
        try check(expectDirty: false) { _ in }
    }

    @Test func aModifiedFileIsDirty() throws {
        try check(expectDirty: true) { try $0.scratch.write("repo/dir/b.txt", "changed") }
    }

    @Test func aStagedChangeIsDirty() throws {
        try check(expectDirty: true) { fixture in
            try fixture.scratch.write("repo/new.txt", "new")
            try fixture.git("repo", "add", "new.txt")
        }
    }

    @Test func aDeletedFileIsDirty() throws {
        try check(expectDirty: true) { try FileManager.default.removeItem(atPath: $0("repo/a.txt")) }
    }

    @Test func anUntrackedFileIsDirty() throws {
        try check(expectDirty: true) { try $0.scratch.write("repo/deep/new/file.txt", "new") }
    }

    @Test func ignoredFilesAndEmptyFoldersAreClean() throws {
        try check(expectDirty: false) { fixture in
            try fixture.scratch.write("repo/run.log", "log")
            try fixture.scratch.write("repo/build/out.o", "binary")
            try fixture.scratch.write("repo/other/nested.log", "log")
            try FileManager.default.createDirectory(atPath: fixture("repo/empty/folder"), withIntermediateDirectories: true)
        }
    }

    @Test func aBareRepositoryHasNoWorkTreeToCheck() throws {
        let fixture = GitFixture()
        try fixture.makeRepository("bare.git", bare: true)
        let error = try #require(throws: GitError.self) { try GitRepository.open(fixture("bare.git")).isDirty() }
        #expect(error.kind == .bareRepository)
    }
}
