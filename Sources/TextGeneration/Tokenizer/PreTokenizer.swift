/// GPT-2's pre-tokenization: splits text into the pieces BPE merges within, exactly as the
/// regular expression of the original encoder and of `tokenizers`' ByteLevel does:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Hand-written over Unicode scalars: the alternatives are tried in order at each position,
/// and `\s+(?!\S)` backtracks one scalar when whitespace runs into a non-space.
enum PreTokenizer {
    /// The pieces of `text`, as ranges of its scalars.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces = [Range<Int>]()
        var start = 0
        let count = scalars.count
        while start < count {
            let end = matchEnd(scalars, at: start)
            pieces.append(start..<end)
            start = end
        }
        return pieces
    }

    private enum Class { case letter, number, space, other }

    private static func classify(_ scalar: Unicode.Scalar) -> Class {
        if scalar.properties.isWhitespace { return .space }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static func matchEnd(_ s: [Unicode.Scalar], at i: Int) -> Int {
        let n = s.count
        // 's 't 're 've 'm 'll 'd (case-sensitive, as in the original pattern)
        if s[i] == "'", i + 1 < n {
            switch s[i + 1] {
            case "s", "t", "m", "d": return i + 2
            case "r" where i + 2 < n && s[i + 2] == "e": return i + 3
            case "v" where i + 2 < n && s[i + 2] == "e": return i + 3
            case "l" where i + 2 < n && s[i + 2] == "l": return i + 3
            default: break
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
        let first = s[i] == " " && i + 1 < n ? i + 1 : i
        let kind = classify(s[first])
        if kind != .space {
            var end = first + 1
            while end < n && classify(s[end]) == kind { end += 1 }
            return end
        }
        // `\s+(?!\S)` then `\s+`
        var end = i
        while end < n && classify(s[end]) == .space { end += 1 }
        if end == n || end - i == 1 { return end }
        return end - 1
    }
}
