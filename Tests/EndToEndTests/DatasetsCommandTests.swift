import Datasets
import Foundation
import Testing
import TestSupport

/// `wf datasets ...` driven through the real binary.
@Suite struct DatasetsCommandTests {
    let scratch = Scratch("wf-cli")
    var home: String { scratch("home") }

    func wf(_ arguments: String...) throws -> WFBinary.Output {
        try WFBinary.run(arguments + ["--home", home])
    }

    func versions(_ name: String) throws -> [VersionInfo] {
        let output = try wf("datasets", "ls", name, "--json")
        #expect(output.status == 0, "\(output.stderr)")
        return try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(output.stdout.utf8))
    }

    @Test func putListShowCatDiffTagAndExport() throws {
        try scratch.write("texts/outputs.txt", "Hello, I'm a language model,\nand I write.\n")
        try scratch.write("texts/settings/seed.txt", "42\n")
        let first = try wf("datasets", "put", "generated-text", scratch("texts"), "-m", "first run")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("committed generated-text:"))

        try scratch.write("texts/outputs.txt", "Hello, I'm a language model,\nand I sing.\n")
        #expect(try wf("datasets", "put", "generated-text", scratch("texts"), "-m", "second run").status == 0)
        #expect(try wf("datasets", "put", "notes", scratch("texts/settings/seed.txt")).status == 0)

        let listing = try wf("datasets", "ls")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("NAME") && lines[1].hasPrefix("generated-text ") && lines[2].hasPrefix("notes "))
        let summaries = try SnakeCaseJSON.decoder.decode([DatasetSummary].self, from: Data(try wf("datasets", "ls", "--json").stdout.utf8))
        #expect(summaries.map(\.name) == ["generated-text", "notes"] && summaries[0].versions == 2)

        let history = try versions("generated-text")
        #expect(history.map(\.message) == ["second run", "first run"])
        #expect(history[0].parent == history[1].id && history[0].tags == ["latest"])
        #expect(try wf("datasets", "versions", "generated-text").stdout.contains(history[1].id.short))

        let show = try wf("datasets", "show", "generated-text~1")
        #expect(show.stdout.contains(history[1].id.hex) && show.stdout.contains("settings/seed.txt"))

        let cat = try wf("datasets", "cat", "generated-text:\(history[1].id.hex.prefix(6))", "outputs.txt")
        #expect(cat.stdout == "Hello, I'm a language model,\nand I write.\n")

        let diff = try wf("datasets", "diff", "generated-text~1", "generated-text")
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("changed  outputs.txt"))
        #expect(diff.stdout.contains("-and I write.\n+and I sing."))
        #expect(!diff.stdout.contains("seed.txt"))
        let names = try wf("datasets", "diff", "generated-text~1", "generated-text", "--name-only")
        #expect(names.stdout.contains("changed  outputs.txt") && !names.stdout.contains("@@"))
        let tight = try wf("datasets", "diff", "generated-text~1", "generated-text", "-U", "0")
        #expect(tight.stdout.contains("@@ -2 +2 @@") && !tight.stdout.contains(" Hello, I'm a language model,"))

        #expect(try wf("datasets", "tag", "generated-text~1", "baseline").status == 0)
        #expect(try wf("datasets", "cat", "generated-text:baseline", "outputs.txt").stdout.contains("write"))

        let export = try wf("datasets", "export", "generated-text:baseline", scratch("exported"))
        #expect(export.status == 0, "\(export.stderr)")
        #expect(scratch.files(under: "exported") == ["outputs.txt", "settings/seed.txt"])
        #expect(try scratch.read("exported/outputs.txt").contains("write"))
        #expect(try wf("datasets", "verify").stdout.hasPrefix("ok:"))
    }

    /// A file whose name is not UTF-8 is refused by its bytes, naming it (it was once reported
    /// as missing, under a repaired name that does not exist), and nothing is written.
    @Test func aNameThatIsNotUTF8IsRefusedHonestly() throws {
        try FileManager.default.createDirectory(atPath: scratch("odd"), withIntermediateDirectories: true)
        let path = Array(scratch("odd").utf8) + Array("/bad".utf8) + [0xFF] + Array(".txt".utf8)
        let fd = path.withUnsafeBufferPointer { buffer -> Int32 in
            var bytes = Array(buffer) + [0]
            return bytes.withUnsafeMutableBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)
        let result = try wf("datasets", "put", "odd", scratch("odd"))
        #expect(result.status != 0 && result.stderr.contains("odd/bad\\xFF.txt: its name is not valid UTF-8"), "\(result.stderr)")
        #expect(!(try wf("datasets", "ls").stdout.contains("odd")))
    }

    @Test func identicalContentGivesTheSameTreeAndAnEmptyDiff() throws {
        try scratch.write("a/x.txt", "same")
        try scratch.write("b/x.txt", "same")
        #expect(try wf("datasets", "put", "d", scratch("a")).status == 0)
        #expect(try wf("datasets", "put", "d", scratch("b")).status == 0)
        let history = try versions("d")
        #expect(history[0].tree == history[1].tree && history[0].id != history[1].id)
        let diff = try wf("datasets", "diff", "d~1", "d")
        #expect(diff.stdout.contains("are the same: identical content"))
        let json = try JSONSerialization.jsonObject(with: Data(try wf("datasets", "diff", "d~1", "d", "--json").stdout.utf8)) as? [String: Any]
        #expect(json?["identical"] as? Bool == true)
    }

    @Test(arguments: [
        (["datasets", "put", "", "FILE"], "invalid dataset name ''"),
        (["datasets", "put", String(repeating: "n", count: 129), "FILE"], "129 bytes"),
        (["datasets", "put", "a/b", "FILE"], "contains '/'"),
        (["datasets", "put", "..", "FILE"], "contains '..'"),
        (["datasets", "put", "bad\u{1}name", "FILE"], "control character"),
        (["datasets", "put", ".hidden", "FILE"], "starts with '.'"),
        (["datasets", "put", "ok", "MISSING"], "no such file or folder"),
        (["datasets", "show", "nothing"], "no dataset named 'nothing'"),
        (["datasets", "show", "d:ffff"], "has no version or tag 'ffff'"),
        (["datasets", "show", "d~9"], "asks for 9 versions back"),
        (["datasets", "show", "d:"], "nothing follows ':'"),
        (["datasets", "cat", "d", "nope.txt"], "has no file 'nope.txt'"),
        (["datasets", "cat", "d", "../etc/passwd"], "invalid file path"),
        (["datasets", "tag", "d", "latest"], "cannot be moved"),
        (["datasets", "export", "d", "NONEMPTY"], "exists and is not empty"),
    ])
    func badInputIsAOneLineErrorAndWritesNothing(_ arguments: [String], _ message: String) throws {
        let file = try scratch.write("in/file.txt", "x")
        try scratch.write("nonempty/keep", "k")
        #expect(try wf("datasets", "put", "d", file).status == 0)
        let objectsBefore = scratch.files(under: "home/datasets/objects") + scratch.files(under: "home/datasets/records")
        let resolved = arguments.map { $0 == "FILE" ? file : $0 == "MISSING" ? scratch("missing") : $0 == "NONEMPTY" ? scratch("nonempty") : $0 }
        let output = try WFBinary.run(resolved + ["--home", home])
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "\(output.stderr)")
        #expect(scratch.files(under: "home/datasets/objects") + scratch.files(under: "home/datasets/records") == objectsBefore)
        #expect(scratch.files(under: "home/datasets/tmp").isEmpty)
    }

    @Test func theHomeComesFromTheEnvironmentOrTheEnclosingCheckout() throws {
        try scratch.write("in/f.txt", "f")
        let viaEnvironment = try WFBinary.run(["datasets", "put", "env", scratch("in/f.txt")], environment: ["WF_HOME": scratch("envhome")])
        #expect(viaEnvironment.status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch("envhome/datasets/index.sqlite")))
        try FileManager.default.createDirectory(atPath: scratch("checkout/.git"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch("checkout/deep/er"), withIntermediateDirectories: true)
        let inCheckout = try WFBinary.run(["datasets", "put", "here", scratch("in/f.txt")], in: scratch("checkout/deep/er"))
        #expect(inCheckout.status == 0, "\(inCheckout.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch("checkout/datasets/index.sqlite")))
    }

    @Test func verifyFailsOnDamageAndRepairRebuildsTheIndex() throws {
        try scratch.write("in/f.txt", "payload")
        #expect(try wf("datasets", "put", "d", scratch("in")).status == 0)
        let before = try versions("d")
        for suffix in ["", "-wal", "-shm"] { unlink(home + "/datasets/index.sqlite" + suffix) }
        let broken = try wf("datasets", "ls")
        #expect(broken.status != 0 && broken.stderr.contains("verify --repair"))
        let repair = try wf("datasets", "verify", "--repair")
        #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
        #expect(repair.stdout.contains("repaired: rebuilt the index"))
        #expect(try versions("d") == before)

        let blob = try scratch.files(under: "home/datasets/objects").map { home + "/datasets/objects/" + $0 }
            .first { (try? String(contentsOfFile: $0, encoding: .utf8)) == "payload" }!
        chmod(blob, 0o644)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: blob))
        let verify = try wf("datasets", "verify")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("problem: object"))
        #expect(try wf("datasets", "cat", "d", "f.txt").stderr.contains("is corrupt"))
    }
}
