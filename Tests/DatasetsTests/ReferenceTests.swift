import Testing
@testable import Datasets

@Suite struct ReferenceTests {
    @Test func parsesEveryForm() throws {
        let plain = try Reference(parsing: "generated-text")
        #expect(plain.dataset == "generated-text" && plain.selector == .latest && plain.ancestorSteps == 0)
        #expect(try Reference(parsing: "d:latest").selector == .latest)
        let byID = try Reference(parsing: "d:1a2b3c")
        #expect(byID.selector == .named("1a2b3c"))
        let ancestor = try Reference(parsing: "d~3")
        #expect(ancestor.selector == .latest && ancestor.ancestorSteps == 3)
        let tagAncestor = try Reference(parsing: "d:good~2")
        #expect(tagAncestor.selector == .named("good") && tagAncestor.ancestorSteps == 2)
    }

    @Test(arguments: ["", ":abcd", "d:", "d~", "d~x", "d~-1", "a/b", "d:a/b", "d:x:y"])
    func rejectsMalformedReferences(_ text: String) {
        #expect(throws: DatasetError.self) { try Reference(parsing: text) }
    }
}
