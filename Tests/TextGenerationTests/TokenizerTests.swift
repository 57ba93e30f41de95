import Foundation
import Testing
import TestSupport
@testable import TextGeneration

@Suite struct TokenizerTests {
    struct Case: Decodable { var text: String; var ids: [Int]; var decoded: String }

    static let gpt2 = Result { try BPETokenizer.load(folder: Fixtures.shared("gpt2-tokenizer")) }

    @Test func matchesTransformersOnEveryCase() throws {
        let tokenizer = try Self.gpt2.get()
        let cases = try Fixtures.json([Case].self, "tokenizer/gpt2-cases.json")
        #expect(cases.count >= 300)
        var failures = 0
        for item in cases {
            let ids = tokenizer.encode(item.text)
            if ids != item.ids {
                failures += 1
                if failures <= 5 { Issue.record("encode \(item.text.debugDescription): \(ids) != \(item.ids)") }
            }
            #expect(tokenizer.decode(item.ids) == item.decoded, "decode \(item.ids)")
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases encode differently")
    }

    @Test func knownIDs() throws {
        let tokenizer = try Self.gpt2.get()
        #expect(tokenizer.encode("Hello, I'm a language model,") == [15496, 11, 314, 1101, 257, 3303, 2746, 11])
        #expect(tokenizer.decode([15496, 11, 314]) == "Hello, I")
        #expect(tokenizer.endOfTextID == 50256)
        #expect(tokenizer.encode("a<|endoftext|>b") == [64, 50256, 65])
        #expect(tokenizer.vocabularySize == 50257)
    }

    @Test func streamingNeverSplitsACharacter() throws {
        let tokenizer = try Self.gpt2.get()
        for text in ["héllo wörld 😀 日本語のテキスト 👩‍👩‍👧 مرحبا", "\u{1F1EB}\u{1F1F7} e\u{0301}", "plain ascii"] {
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var pieces = [String]()
            for id in tokenizer.encode(text) { pieces.append(decoder.append(id)) }
            pieces.append(decoder.finish())
            #expect(pieces.joined() == text)
            #expect(!pieces.joined().contains("\u{FFFD}"))
        }
        // A stream that ends inside a character: the held bytes come out as a whole decode gives them.
        let firstByteOfCJK = try #require(tokenizer.encode("語").first)
        #expect(tokenizer.bytes(of: [firstByteOfCJK]).count < 3)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        #expect(decoder.append(firstByteOfCJK).isEmpty)
        #expect(decoder.finish() == tokenizer.decode([firstByteOfCJK]))
    }

    @Test func tinyTokenizerFilesAgreeAndEncodeTheReferenceText() throws {
        struct Reference: Decodable {
            struct InputSet: Decodable { var text: String?; var inputs: [[Int]] }
            var input_sets: [InputSet]
        }
        let fromVocab = try BPETokenizer.load(folder: Fixtures.path("models/tiny"))
        let fromJSON = try BPETokenizer.load(folder: Fixtures.path("models/tiny-4head"))
        let reference = try Fixtures.json(Reference.self, "models/tiny/reference/reference.json")
        let text = try #require(reference.input_sets.compactMap(\.text).first)
        let expected = try #require(reference.input_sets.first { $0.text != nil }?.inputs.first)
        #expect(Array(fromVocab.encode(text).prefix(expected.count)) == expected)
        #expect(fromJSON.encode(text) == fromVocab.encode(text))
        #expect(fromVocab.encode("ROMEO:") == [50, 47, 45, 37, 47, 26])
        #expect(fromVocab.endOfTextID == 0)
    }

    @Test func missingTokenizerFilesSaySo() {
        #expect(throws: TokenizerError.missingFiles(folder: "/nonexistent")) { try BPETokenizer.load(folder: "/nonexistent") }
    }
}

@Suite struct VocabularyParserTests {
    @Test func agreesWithAGeneralDecoderOnGPT2sVocabulary() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.shared("gpt2-tokenizer/vocab.json")))
        let fast = try #require(VocabularyParser.parse(Array(data)))
        #expect(fast == (try JSONDecoder().decode([String: Int].self, from: data)))
        #expect(fast.count == 50257)
    }

    @Test func handlesEscapesAndRejectsWhatItDoesNotRead() {
        let text = #" { "a\"b" : 1, "\u00e9\ud83d\ude00\\\/\n" :22 ,"plain":3} "#
        #expect(VocabularyParser.parse(Array(text.utf8)) == ["a\"b": 1, "é😀\\/\n": 22, "plain": 3])
        #expect(VocabularyParser.parse(Array("{}".utf8)) == [:])
        for bad in [#"{"a":1"#, #"{"a":-1}"#, #"{"a":1.5}"#, #"["a"]"#, #"{"a":1} x"#, #"{"\ud83d":1}"#] {
            #expect(VocabularyParser.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
