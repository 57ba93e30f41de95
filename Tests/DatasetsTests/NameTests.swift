import Testing
@testable import Datasets

@Suite struct NameTests {
    @Test(arguments: ["generated-text", "a", "corpus.v2", "My_Data-1", String(repeating: "x", count: 128)])
    func acceptsUsableNames(_ name: String) throws {
        try DatasetName.validate(name)
    }

    @Test(arguments: [
        ("", "empty"), (String(repeating: "x", count: 129), "129 bytes"), ("a/b", "'/'"), ("a..b", "'..'"),
        ("..", "'..'"), ("bad\u{07}bell", "control"), ("line\nbreak", "control"), (".hidden", "starts with '.'"),
        ("spa ce", "\" \""), ("ünï", "\"ü\""), ("a:b", "\":\""), ("a~1", "\"~\""),
    ])
    func rejectsBadNamesWithTheReason(_ name: String, _ reason: String) {
        #expect {
            try DatasetName.validate(name)
        } throws: { error in
            let text = String(describing: error)
            return text.contains(reason) && text.contains("invalid dataset name")
        }
    }

    @Test func tagsCannotLookLikeIdsOrMoveLatest() throws {
        try DatasetName.validateTag("good")
        try DatasetName.validateTag("v1")
        try DatasetName.validateTag("abc")  // too short to read as an id prefix
        #expect(throws: DatasetError.self) { try DatasetName.validateTag("latest") }
        #expect(throws: DatasetError.self) { try DatasetName.validateTag("beef") }
        #expect(throws: DatasetError.self) { try DatasetName.validateTag("has/slash") }
    }

    @Test(arguments: ["a.txt", "sub/dir/b.bin", "ünïcode/文件.txt", "..hidden-but-fine"])
    func acceptsCleanDatasetPaths(_ path: String) throws {
        try DatasetPath.validate(path)
    }

    @Test(arguments: ["", "/abs", "a//b", "a/./b", "../up", "a/..", "tab\there", "trailing/"])
    func rejectsUnsafeDatasetPaths(_ path: String) {
        #expect(throws: DatasetError.self) { try DatasetPath.validate(path) }
    }
}
