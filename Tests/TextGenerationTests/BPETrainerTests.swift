import Foundation
import Testing
import TestSupport
@testable import TextGeneration

@Suite struct BPETrainerTests {
    static let corpus = Result { try String(contentsOfFile: Fixtures.shared("corpora/tinyshakespeare.txt"), encoding: .utf8) }

    @Test func learnsTheRequestedVocabularyAndRoundTrips() throws {
        let text = String(try Self.corpus.get().prefix(100_000))
        let trained = BPETrainer(vocabularySize: 512).train(on: text)
        #expect(trained.vocabulary.count == 512)
        #expect(trained.merges.count == 512 - 257)
        #expect(trained.endOfTextID == 511)
        let tokenizer = try trained.tokenizer()
        let sample = String(text.prefix(2_000))
        let ids = tokenizer.encode(sample)
        #expect(tokenizer.decode(ids) == sample)
        #expect(ids.count < sample.utf8.count / 2, "merges should compress English text")
        // Text it never saw, including bytes outside the corpus, still round-trips.
        for unseen in ["naïve café 😀 日本", "\t\t  x\r\n", "<|endoftext|>tail"] {
            #expect(tokenizer.decode(tokenizer.encode(unseen)) == unseen)
        }
        #expect(tokenizer.encode("a<|endoftext|>") == tokenizer.encode("a") + [511])
    }

    @Test func isDeterministicAndWritesLoadableFiles() throws {
        let text = String(try Self.corpus.get().prefix(30_000))
        let first = BPETrainer(vocabularySize: 300).train(on: text)
        let second = BPETrainer(vocabularySize: 300).train(on: text)
        #expect(first.vocabulary == second.vocabulary)
        #expect(first.merges.map { $0.0 + " " + $0.1 } == second.merges.map { $0.0 + " " + $0.1 })
        let scratch = Scratch("wf-bpe")
        try first.write(to: scratch("tokenizer"))
        let loaded = try BPETokenizer.load(folder: scratch("tokenizer"))
        #expect(loaded.encode(String(text.prefix(500))) == (try first.tokenizer()).encode(String(text.prefix(500))))
        #expect(loaded.endOfTextID == 299)
    }

    @Test func stopsWhenNoPairRepeats() {
        let trained = BPETrainer(vocabularySize: 10_000).train(on: "abcdef ghijkl")
        #expect(trained.merges.isEmpty)
        #expect(trained.vocabulary.count == 257)
    }
}
