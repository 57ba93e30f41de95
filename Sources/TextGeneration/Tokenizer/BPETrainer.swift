import Foundation

/// Learns a byte-level BPE vocabulary from text, the way GPT-2's was made: pre-tokenize with
/// GPT-2's pattern, start from the 256 byte tokens, and repeatedly merge the most frequent
/// adjacent pair (ties go to the pair whose tokens come first by id) until the vocabulary
/// has `vocabularySize` tokens or no pair occurs `minimumFrequency` times. The result loads
/// with `BPETokenizer` and, as `vocab.json` + `merges.txt`, with `transformers`.
public struct BPETrainer {
    public var vocabularySize: Int
    public var minimumFrequency = 2
    public static let endOfText = "<|endoftext|>"

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

    public struct Result: Sendable {
        /// Token (in GPT-2's byte-to-unicode spelling) → id: bytes 0…255 first, merges in
        /// order, `<|endoftext|>` last.
        public var vocabulary: [String: Int]
        public var merges: [(String, String)]
        public var endOfTextID: Int { vocabulary[BPETrainer.endOfText]! }
    }

    public func train(on text: String, progress: ((Int, Int) -> Void)? = nil) -> Result {
        // Distinct pieces with their counts, as symbol ids (0…255 are the bytes).
        var pieceCounts = [[UInt8]: Int]()
        let scalars = Array(text.unicodeScalars)
        for range in PreTokenizer.split(scalars) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            pieceCounts[Array(String(view).utf8), default: 0] += 1
        }
        var words = [[Int32]]()
        var counts = [Int]()
        words.reserveCapacity(pieceCounts.count)
        for (bytes, count) in pieceCounts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            words.append(bytes.map { Int32($0) })
            counts.append(count)
        }
        var spellings = ByteUnicodeMap.scalarForByte.map { String(Character($0)) }
        var merges = [(String, String)]()

        func key(_ left: Int32, _ right: Int32) -> Int64 { Int64(left) << 32 | Int64(right) }
        var pairCounts = [Int64: Int]()
        var pairWords = [Int64: Set<Int32>]()
        for (index, word) in words.enumerated() where word.count > 1 {
            for position in 0..<(word.count - 1) {
                let pair = key(word[position], word[position + 1])
                pairCounts[pair, default: 0] += counts[index]
                pairWords[pair, default: []].insert(Int32(index))
            }
        }
        var heap = PairHeap()
        for (pair, count) in pairCounts { heap.push(count: count, pair: pair) }

        let targetMerges = max(0, vocabularySize - 256 - 1)
        while merges.count < targetMerges, let best = heap.popValid(current: pairCounts) {
            guard best.count >= minimumFrequency else { break }
            let left = Int32(best.pair >> 32), right = Int32(truncatingIfNeeded: best.pair)
            let merged = Int32(spellings.count)
            spellings.append(spellings[Int(left)] + spellings[Int(right)])
            merges.append((spellings[Int(left)], spellings[Int(right)]))
            var touched = Set<Int64>()
            for index in pairWords[best.pair] ?? [] {
                let word = words[Int(index)], count = counts[Int(index)]
                guard word.count > 1 else { continue }
                var replaced = [Int32]()
                replaced.reserveCapacity(word.count)
                var position = 0
                var changed = false
                while position < word.count {
                    if position + 1 < word.count && word[position] == left && word[position + 1] == right {
                        replaced.append(merged)
                        position += 2
                        changed = true
                    } else {
                        replaced.append(word[position])
                        position += 1
                    }
                }
                guard changed else { continue }
                for position in 0..<(word.count - 1) {
                    let pair = key(word[position], word[position + 1])
                    pairCounts[pair, default: 0] -= count
                    touched.insert(pair)
                }
                for position in 0..<max(0, replaced.count - 1) {
                    let pair = key(replaced[position], replaced[position + 1])
                    pairCounts[pair, default: 0] += count
                    pairWords[pair, default: []].insert(index)
                    touched.insert(pair)
                }
                words[Int(index)] = replaced
            }
            pairCounts[best.pair] = nil
            pairWords[best.pair] = nil
            for pair in touched where pair != best.pair {
                if let count = pairCounts[pair], count > 0 { heap.push(count: count, pair: pair) } else { pairCounts[pair] = nil }
            }
            progress?(merges.count, targetMerges)
        }
        var vocabulary = [String: Int]()
        for (id, spelling) in spellings.enumerated() { vocabulary[spelling] = id }
        vocabulary[BPETrainer.endOfText] = spellings.count
        return Result(vocabulary: vocabulary, merges: merges)
    }
}

extension BPETrainer.Result {
    /// Writes `vocab.json` and `merges.txt` into `folder`.
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let vocabularyJSON = try JSONSerialization.data(withJSONObject: vocabulary, options: [.sortedKeys])
        try vocabularyJSON.write(to: URL(fileURLWithPath: "\(folder)/vocab.json"), options: .atomic)
        let lines = ["#version: 0.2"] + merges.map { "\($0.0) \($0.1)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(folder)/merges.txt", atomically: true, encoding: .utf8)
    }

    /// The tokenizer these files describe.
    public func tokenizer() throws -> BPETokenizer {
        try BPETokenizer(vocabulary: vocabulary, mergeList: merges, special: [BPETrainer.endOfText: endOfTextID], source: "trained vocabulary")
    }
}

/// A max-heap of (count, pair) with lazy deletion: stale entries are skipped when popped.
struct PairHeap {
    private var items = [(count: Int, pair: Int64)]()

    private func above(_ a: (count: Int, pair: Int64), _ b: (count: Int, pair: Int64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    mutating func push(count: Int, pair: Int64) {
        items.append((count, pair))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard above(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// The best entry whose count is still current.
    mutating func popValid(current: [Int64: Int]) -> (count: Int, pair: Int64)? {
        while let top = items.first {
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var best = parent
                    if left < items.count && above(items[left], items[best]) { best = left }
                    if right < items.count && above(items[right], items[best]) { best = right }
                    if best == parent { break }
                    items.swapAt(parent, best)
                    parent = best
                }
            }
            if current[top.pair] == top.count { return top }
        }
        return nil
    }
}
