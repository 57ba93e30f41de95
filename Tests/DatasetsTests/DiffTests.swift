import Foundation
import Testing
import TestSupport
@testable import Datasets

@Suite struct DiffTests {
    func entry(_ path: String, _ text: String, executable: Bool = false) -> TreeEntry {
        TreeEntry(path: path, size: Int64(text.utf8.count), executable: executable, blob: ObjectID.of(Array(text.utf8)))
    }

    @Test func treeDiffListsAddedRemovedAndChangedInPathOrder() throws {
        let old = try Tree(entries: [entry("a", "1"), entry("b", "2"), entry("c", "3"), entry("x/y", "4")])
        let new = try Tree(entries: [entry("a", "1"), entry("b", "2!"), entry("c", "3", executable: true), entry("d", "5")])
        let changes = TreeDiff(from: old, to: new).changes
        #expect(changes.map(\.path) == ["b", "c", "d", "x/y"])
        #expect(changes[0] == .changed(from: entry("b", "2"), to: entry("b", "2!")))
        #expect(changes[2] == .added(entry("d", "5")))
        #expect(changes[3] == .removed(entry("x/y", "4")))
        #expect(TreeDiff(from: old, to: old).isEmpty)
    }

    @Test func unifiedHunksMatchTheClassicFormat() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk"
        #expect(UnifiedDiff.hunks(from: old, to: new, context: 1) == [
            "@@ -1,3 +1,3 @@", " a", "-b", "+B", " c",
            "@@ -10 +10,2 @@", " j", "+k", "\\ No newline at end of file",
        ])
        #expect(UnifiedDiff.hunks(from: "", to: "x\n") == ["@@ -0,0 +1 @@", "+x"])
        #expect(UnifiedDiff.hunks(from: old, to: old).isEmpty)
    }

    /// Hunks applied with GNU patch turn the old text into the new one, for many random edits.
    @Test func randomEditsRoundTripThroughPatch() throws {
        var seed: UInt64 = 7
        func random(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let folder = NSTemporaryDirectory() + "/wf-diff-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for round in 0..<40 {
            let words = ["alpha", "beta", "gamma", "delta", "", "  indented", "x"]
            var lines = (0..<random(30)).map { _ in words[random(words.count)] }
            let old = lines.map { $0 + "\n" }.joined()
            for _ in 0..<random(6) {
                switch random(3) {
                case 0 where !lines.isEmpty: lines.remove(at: random(lines.count))
                case 1: lines.insert(words[random(words.count)] + "!", at: random(lines.count + 1))
                default: if !lines.isEmpty { lines[random(lines.count)] += "?" }
                }
            }
            let new = lines.map { $0 + "\n" }.joined() + (round % 5 == 0 ? "no newline" : "")
            let hunks = UnifiedDiff.hunks(from: old, to: new, context: random(4))
            if hunks.isEmpty { #expect(old == new); continue }
            try old.write(toFile: "\(folder)/file", atomically: true, encoding: .utf8)
            try (["--- a/file", "+++ b/file"] + hunks).map { $0 + "\n" }.joined()
                .write(toFile: "\(folder)/patch", atomically: true, encoding: .utf8)
            let patched = try Shell.run("patch", ["-s", "--no-backup-if-mismatch", "\(folder)/file", "\(folder)/patch"])
            #expect(patched.status == 0, "round \(round)")
            #expect(try String(contentsOfFile: "\(folder)/file", encoding: .utf8) == new, "round \(round)")
        }
    }

    @Test func textDetection() {
        #expect(UnifiedDiff.isText(Array("héllo\n".utf8)))
        #expect(!UnifiedDiff.isText([0x68, 0x00, 0x69]))
        #expect(!UnifiedDiff.isText([0xFF, 0xFE]))
    }
}
