import Datasets
import Foundation
import Testing
import TestSupport

/// A store on a full file system (a small tmpfs), a read-only one (a read-only bind mount)
/// and one read-only to its user (run as `nobody`): the store once answered a full disk with
/// "run verify --repair", whose repair set the healthy index aside and started an empty one
/// that `gc` then emptied the store by. Mounting needs root.
@Suite(.enabled(if: FileSystems.canMount, Comment(rawValue: FileSystems.reason)))
struct FullDiskTests {
    let scratch = Scratch("wf-full-disk")

    func wf(_ home: String, _ arguments: String...) throws -> WFBinary.Output {
        try WFBinary.run(arguments + ["--home", home])
    }

    @Test func aFullDiskLosesNothingAndItsAdviceIsToFreeSpace() throws {
        let home = scratch("home")
        try FileSystems.mountTmpfs(at: home, size: "4m")
        defer { FileSystems.unmount(home) }
        try scratch.write("in/a.txt", "first\n")
        #expect(try wf(home, "datasets", "put", "texts", scratch("in/a.txt")).status == 0)
        try scratch.write("in/a.txt", "second\n")
        #expect(try wf(home, "datasets", "put", "texts", scratch("in/a.txt")).status == 0)
        #expect(try wf(home, "datasets", "tag", "texts~1", "first").status == 0)

        FileSystems.fill(home)
        try scratch.write("in/b.txt", String(repeating: "more text\n", count: 1000))
        let put = try wf(home, "datasets", "put", "texts", scratch("in/b.txt"))
        #expect(put.status != 0)
        #expect(put.stderr.contains("full") && put.stderr.contains("free space"), "\(put.stderr)")
        #expect(!put.stderr.contains("verify --repair"), "a full disk is not damage: \(put.stderr)")

        // Reading still works on the full disk.
        let listing = try wf(home, "datasets", "ls", "texts", "--json")
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listing.stdout.utf8)).count == 2)
        #expect(try wf(home, "datasets", "cat", "texts:first", "a.txt").stdout == "first\n")

        // The repair the old advice asked for changes nothing and says why.
        let repair = try wf(home, "datasets", "verify", "--repair")
        #expect(repair.status != 0 && repair.stderr.contains("full"), "\(repair.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(home)/datasets/corrupt"))
        // gc, the one thing that frees space, runs.
        #expect(try wf(home, "datasets", "gc").status == 0)

        unlink("\(home)/filler")
        let verify = try wf(home, "datasets", "verify")
        #expect(verify.status == 0 && verify.stdout.contains("ok: 1 datasets, 2 versions"), "\(verify.stdout)\(verify.stderr)")
        let again = try wf(home, "datasets", "put", "texts", scratch("in/b.txt"))
        #expect(again.status == 0 && again.stdout.contains("(version 3)"), "\(again.stderr)")
    }

    @Test func aStoreOnAReadOnlyFileSystemCanBeRead() throws {
        let home = scratch("home"), readOnly = scratch("read-only")
        try scratch.write("in/a.txt", "kept\n")
        #expect(try wf(home, "datasets", "put", "texts", scratch("in/a.txt")).status == 0)
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: true)
        try FileSystems.bindReadOnly(home, at: readOnly)
        defer { FileSystems.unmount(readOnly) }
        #expect(try wf(readOnly, "datasets", "ls").stdout.contains("texts"))
        #expect(try wf(readOnly, "datasets", "cat", "texts", "a.txt").stdout == "kept\n")
        let verify = try wf(readOnly, "datasets", "verify")
        #expect(verify.status == 0, "\(verify.stderr)")
        let put = try wf(readOnly, "datasets", "put", "texts", scratch("in/a.txt"))
        #expect(put.status != 0 && put.stderr.contains("read-only") && !put.stderr.contains("--repair"), "\(put.stderr)")
    }

    @Test func aStoreReadOnlyToItsUserCanBeRead() throws {
        let home = scratch("home")
        try scratch.write("in/a.txt", "kept\n")
        #expect(try wf(home, "datasets", "put", "texts", scratch("in/a.txt")).status == 0)
        // `nobody` may read and enter every folder, and write none.
        chmod(scratch.path, 0o755)
        _ = try Shell.run("chmod", ["-R", "a+rX,go-w", home])
        func asNobody(_ arguments: String...) throws -> Shell.Output {
            try Shell.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", WFBinary.path] + arguments + ["--home", home])
        }
        #expect(try asNobody("datasets", "ls").stdout.contains("texts"))
        #expect(try asNobody("datasets", "verify").status == 0)
        #expect(try asNobody("datasets", "cat", "texts", "a.txt").stdout == "kept\n")
        #expect(try asNobody("datasets", "put", "texts", scratch("in/a.txt")).status != 0)
    }
}

/// Mounting for the tests above: root only.
enum FileSystems {
    static var canMount: Bool { getuid() == 0 && (try? Shell.run("mount", ["--version"]).status) == 0 }
    static var reason: String {
        "NOT ROOT: full-disk and read-only store tests skipped; they mount a tmpfs and a read-only bind mount (run the tests as root, as CI does)"
    }

    static func mountTmpfs(at path: String, size: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = try Shell.run("mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        guard mounted.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    static func bindReadOnly(_ source: String, at path: String) throws {
        let mounted = try Shell.run("mount", ["--bind", "-o", "ro", source, path])
        guard mounted.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    static func unmount(_ path: String) { _ = try? Shell.run("umount", ["-l", path]) }

    /// Fills the file system holding `folder` with `folder/filler`.
    static func fill(_ folder: String) {
        let fd = open("\(folder)/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 64 << 10)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        let byte: [UInt8] = [0]
        while byte.withUnsafeBytes({ write(fd, $0.baseAddress, 1) }) > 0 {}
    }
}
