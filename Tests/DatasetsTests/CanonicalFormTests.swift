import Testing
@testable import Datasets

@Suite struct CanonicalFormTests {
    @Test func sortsKeysAndEscapesMinimally() {
        let value = CanonicalJSON.object(["b": .integer(-2), "a": .string("q\"\\\n\u{1}é"), "c": .array([.null, .bool(true)])])
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"a":"q\"\\\u000a\u0001é","b":-2,"c":[null,true]}"#)
        #expect(CanonicalJSON.parse(value.bytes) == value)
    }

    @Test func parsesOrdinaryJSONIncludingSurrogatePairs() {
        let parsed = CanonicalJSON.parse(Array(#" { "x" : [ 1 , "\ud83d\ude00\/" ] } "#.utf8))
        #expect(parsed == .object(["x": .array([.integer(1), .string("😀/")])]))
        #expect(CanonicalJSON.parse(Array("{\"x\":1} trailing".utf8)) == nil)
        #expect(CanonicalJSON.parse(Array("[1,".utf8)) == nil)
    }

    @Test func sameFilesGiveTheSameTreeIdInAnyOrder() throws {
        let blob = ObjectID.of(Array("x".utf8))
        let a = TreeEntry(path: "b/z.txt", size: 1, executable: false, blob: blob)
        let b = TreeEntry(path: "a.txt", size: 1, executable: true, blob: blob)
        let one = try Tree(entries: [a, b]), two = try Tree(entries: [b, a])
        #expect(one.id == two.id)
        #expect(Tree.decode(one.canonicalBytes) == one)
        let changedMode = try Tree(entries: [a, TreeEntry(path: "a.txt", size: 1, executable: false, blob: blob)])
        #expect(changedMode.id != one.id)
        #expect(throws: DatasetError.self) { try Tree(entries: [a, a]) }
    }

    @Test func recordsRoundTripOnlyInCanonicalForm() throws {
        let record = VersionRecord(dataset: "d", parent: nil, tree: ObjectID.of([1]), created: Timestamp(milliseconds: 1_763_769_600_123),
                                   message: "hi", provenance: Provenance(repository: "https://example.com/r.git", commit: "abc"))
        guard case .version(let decoded) = StoredRecord.decode(record.canonicalBytes) else { Issue.record("not decoded"); return }
        #expect(decoded == record)
        var spaced = record.canonicalBytes
        spaced.insert(0x20, at: 1)
        #expect(StoredRecord.decode(spaced) == nil)
        #expect(Timestamp(iso8601: "2025-11-22T00:00:00.123Z")?.milliseconds == 1_763_769_600_123)
        #expect(Timestamp(iso8601: "2025-13-22T00:00:00.123Z") == nil)
    }
}

extension StoredRecord: Equatable {
    public static func == (a: StoredRecord, b: StoredRecord) -> Bool {
        switch (a, b) {
        case (.version(let x), .version(let y)): return x == y
        case (.tag(let x), .tag(let y)): return x == y
        default: return false
        }
    }
}
