/// Splits Python 3 source into ``Token``s the way CPython's tokenizer does (`Lib/tokenize.py`
/// for the token stream, `Parser/tokenizer.c` for what is an error and its message).
///
/// - Line ends `\n`, `\r\n` and `\r` are all line breaks (CPython reads source with universal
///   newlines); a UTF-8 byte-order mark at the start is skipped.
/// - Indentation: a space counts 1, a tab advances to the next multiple of 8, a form feed resets
///   the count. A deeper line gives INDENT; a shallower one gives DEDENTs back to a matching level
///   or the error `unindent does not match any outer indentation level`. As in CPython the
///   indentation is also measured with tabs counting 1, and the two measures must agree in order
///   (`inconsistent use of tabs and spaces in indentation`). At most 100 levels.
/// - Inside `()`, `[]`, `{}` line breaks are NL and indentation is ignored; a backslash at the end
///   of a line joins it with the next. Brackets nest at most 200 deep (`too deeply nested`).
/// - Names are Unicode identifiers (XID_Start XID_Continue*); keywords are names too.
/// - Numbers: decimal with `_` between digits, `0x`/`0o`/`0b`, floats with fraction and exponent,
///   imaginary `j`; leading zeros in a non-zero decimal integer are an error.
/// - Strings: every prefix, any case; see ``StringLiteral`` for decoding.
/// - Errors carry the line and column CPython reports: unterminated strings (at the opening quote),
///   `'(' was never closed` (at the bracket), `unmatched ')'`, mismatched closing brackets,
///   `invalid character '€' (U+20AC)`, `invalid non-printable character U+00A0`, and bad numbers.
public enum Tokenizer: Sendable {
    public static let maximumBracketDepth = 200
    public static let maximumIndentationDepth = 100

    /// All tokens of `source`, ending with NEWLINE (if the last line had tokens), the DEDENTs that
    /// close open blocks, and ENDMARKER. Throws the first error.
    public static func tokenize(_ source: String, file: String = "<string>") throws(PythonSourceError) -> [Token] {
        let (tokens, error) = scan(source, file: file)
        if let error { throw error.error }
        return tokens
    }

    /// The tokens up to the first error, then ENDMARKER, and the error. CPython tokenizes as it
    /// parses, so a syntax error before a tokenizer error wins; the ``Parser`` uses this to do the same.
    static func scan(_ source: String, file: String) -> (tokens: [Token], error: ScanError?) {
        var scanner = Scanner(source: source, file: file)
        do {
            try scanner.run()
            return (scanner.tokens, nil)
        } catch {
            let at = scanner.tokens.last?.end ?? SourceLocation(line: 1, column: 1)
            let unclosed = error.message.hasSuffix("was never closed") ? error.line : nil
            let scanError = ScanError(error: error, overridesSyntaxErrors: !scanner.errorIsStatus, unclosedBracketLine: unclosed)
            return (scanner.tokens + [Token(kind: .endMarker, text: "", start: at, end: at)], scanError)
        }
    }
}

/// A tokenizer error and how it ranks against a syntax error found before it (CPython's
/// `_PyPegen_tokenize_full_source_to_check_for_errors`).
struct ScanError: Sendable {
    var error: PythonSourceError
    /// Whether it replaces an earlier syntax error: true for errors CPython's tokenizer raises
    /// (unterminated strings, bad characters and numbers, brackets).
    var overridesSyntaxErrors: Bool
    /// For `'(' was never closed`, the bracket's line: it replaces only errors on later lines.
    var unclosedBracketLine: Int?
}

private struct Scanner {
    let s: [Unicode.Scalar]
    /// `s` in UTF-8, and where each scalar starts in it (one more entry, the end), for token texts.
    let utf8: [UInt8]
    let offsets: [Int]
    let file: String
    var i = 0
    var line = 1
    var lineStart = 0
    var tokens: [Token] = []
    var indents: [Int] = [0]
    var altIndents: [Int] = [0]
    var brackets: [(scalar: Unicode.Scalar, at: SourceLocation)] = []
    /// Whether the current logical line produced a token (so its line break is a NEWLINE).
    var logicalLineHasTokens = false

    init(source: String, file: String) {
        // Universal newlines, as CPython reads source files.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasCR = false
        for c in source.unicodeScalars {
            if c == "\r" { scalars.append("\n"); previousWasCR = true; continue }
            if c == "\n" && previousWasCR { previousWasCR = false; continue }
            previousWasCR = false
            scalars.append(c)
        }
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var utf8: [UInt8] = [], offsets: [Int] = []
        utf8.reserveCapacity(scalars.count)
        offsets.reserveCapacity(scalars.count + 1)
        for scalar in scalars {
            offsets.append(utf8.count)
            utf8.append(contentsOf: UTF8.encode(scalar) ?? UTF8.EncodedScalar())
        }
        offsets.append(utf8.count)
        self.s = scalars
        self.utf8 = utf8
        self.offsets = offsets
        self.file = file
    }

    /// The source text of scalars `range`.
    func text(_ range: Range<Int>) -> String {
        String(decoding: utf8[offsets[range.lowerBound]..<offsets[range.upperBound]], as: UTF8.self)
    }

    var here: SourceLocation { SourceLocation(line: line, column: i - lineStart + 1) }

    func location(_ index: Int) -> SourceLocation { SourceLocation(line: line, column: index - lineStart + 1) }

    func error(_ message: String, at location: SourceLocation) -> PythonSourceError {
        PythonSourceError(file: file, line: location.line, column: location.column, message: message)
    }

    /// Whether the error thrown is one that CPython's tokenizer reports only through its status
    /// (indentation, line continuation, end of input) or its parser reports (string contents):
    /// such an error does not override a syntax error found earlier.
    var errorIsStatus = false

    mutating func statusError(_ message: String, at location: SourceLocation) -> PythonSourceError {
        errorIsStatus = true
        return error(message, at: location)
    }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let j = i + offset
        return j < s.count ? s[j] : nil
    }

    mutating func emit(_ kind: Token.Kind, from start: Int, startLocation: SourceLocation? = nil, string: StringLiteral? = nil) {
        let text = self.text(start..<i)
        tokens.append(Token(kind: kind, text: text, start: startLocation ?? location(start), end: here, string: string))
        if kind != .comment && kind != .nl { logicalLineHasTokens = true }
    }

    mutating func newLine() {
        line += 1
        lineStart = i
    }

    mutating func run() throws(PythonSourceError) {
        if let null = s.firstIndex(of: "\0") {
            let lineNumber = 1 + s[..<null].reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            let column = null - (s[..<null].lastIndex(of: "\n").map { $0 + 1 } ?? 0) + 1
            throw error("source code cannot contain null bytes", at: SourceLocation(line: lineNumber, column: column))
        }
        while i < s.count {
            if brackets.isEmpty {
                try startOfLine()
                if i >= s.count { break }
            }
            try restOfLine()
        }
        try finish()
    }

    /// At the start of a physical line outside brackets and not after a backslash: blank lines,
    /// comment-only lines, and indentation.
    mutating func startOfLine() throws(PythonSourceError) {
        var column = 0, alt = 0, j = i
        while j < s.count {
            switch s[j] {
            case " ": column += 1; alt += 1
            case "\t": column = (column / 8 + 1) * 8; alt += 1
            case "\u{0C}": column = 0; alt = 0
            default: break
            }
            if s[j] != " " && s[j] != "\t" && s[j] != "\u{0C}" { break }
            j += 1
        }
        if j >= s.count { i = j; return }
        if s[j] == "#" || s[j] == "\n" {
            // Blank or comment-only: no indentation change (restOfLine emits COMMENT and NL).
            i = j
            return
        }
        let at = location(j)
        if column == indents[indents.count - 1] {
            if alt != altIndents[altIndents.count - 1] {
                throw statusError("inconsistent use of tabs and spaces in indentation", at: SourceLocation(line: line, column: 1))
            }
        } else if column > indents[indents.count - 1] {
            if alt <= altIndents[altIndents.count - 1] {
                throw statusError("inconsistent use of tabs and spaces in indentation", at: SourceLocation(line: line, column: 1))
            }
            if indents.count > Tokenizer.maximumIndentationDepth {
                throw statusError("too many levels of indentation", at: at)
            }
            indents.append(column)
            altIndents.append(alt)
            i = j
            tokens.append(Token(kind: .indent, text: text(lineStart..<j),
                                start: SourceLocation(line: line, column: 1), end: at))
        } else {
            // Checked before any DEDENT is emitted: the parser must meet the error, not the dedents.
            if !indents.contains(column) {
                var end = j
                while end < s.count && s[end] != "\n" { end += 1 }
                throw statusError("unindent does not match any outer indentation level", at: location(end))
            }
            while indents.count > 1 && column < indents[indents.count - 1] {
                indents.removeLast()
                altIndents.removeLast()
                tokens.append(Token(kind: .dedent, text: "", start: at, end: at))
            }
            if alt != altIndents[altIndents.count - 1] {
                throw statusError("inconsistent use of tabs and spaces in indentation", at: SourceLocation(line: line, column: 1))
            }
        }
        i = j
    }

    /// The tokens of the rest of a physical line, through its line break. Returns at the start of
    /// the next physical line; a backslash continuation keeps going on the next line.
    mutating func restOfLine() throws(PythonSourceError) {
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\u{0C}":
                i += 1
            case "#":
                let start = i
                while i < s.count && s[i] != "\n" { i += 1 }
                emit(.comment, from: start)
            case "\n":
                let start = i
                let kind: Token.Kind = brackets.isEmpty && logicalLineHasTokens ? .newline : .nl
                i += 1
                tokens.append(Token(kind: kind, text: "\n", start: location(start), end: here))
                if kind == .newline { logicalLineHasTokens = false }
                newLine()
                return
            case "\\":
                guard let next = peek(1) else {
                    throw statusError("unexpected EOF while parsing", at: location(i + 1))
                }
                guard next == "\n" else {
                    throw statusError("unexpected character after line continuation character", at: location(i + 1))
                }
                i += 2
                newLine()
                if i >= s.count { throw statusError("unexpected EOF while parsing", at: here) }
            default:
                try token(c)
            }
        }
    }

    mutating func token(_ c: Unicode.Scalar) throws(PythonSourceError) {
        let start = i
        if isIdentifierStart(c) {
            i += 1
            while let d = peek(), isIdentifierContinue(d) { i += 1 }
            if let q = peek(), q == "'" || q == "\"", i - start <= 2 {
                let prefix = text(start..<i)
                if StringLiteral.prefixes.contains(prefix.lowercased()) {
                    try string(start: start, prefix: prefix)
                    return
                }
            }
            // A name running into characters that cannot continue it.
            if let d = peek(), !d.isASCII, !isIdentifierContinue(d), !isSpace(d) {
                throw invalidCharacter(d, at: here)
            }
            emit(.name, from: start)
            return
        }
        if ("0"..."9").contains(c) || (c == "." && peek(1).map { ("0"..."9").contains($0) } == true) {
            try number()
            return
        }
        if c == "'" || c == "\"" {
            try string(start: start, prefix: "")
            return
        }
        try operatorToken()
    }

    func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{0C}" || c == "\n" }

    func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return c.properties.isXIDStart
    }

    func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || ("0"..."9").contains(c) }
        return c.properties.isXIDContinue
    }

    func invalidCharacter(_ c: Unicode.Scalar, at location: SourceLocation) -> PythonSourceError {
        let hex = String(c.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if c.isASCII { return error("invalid syntax", at: location) }
        switch c.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse, .surrogate:
            return error("invalid non-printable character \(code)", at: location)
        default:
            return error("invalid character '\(Character(c))' (\(code))", at: location)
        }
    }

    // MARK: Operators

    /// Operators by their scalars packed into one integer (see `code`), longest first.
    static let threeCharacter = Set(["**=", "...", "//=", ">>=", "<<="].map(code))
    static let twoCharacter = Set(["!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=", "==",
                                   ">=", ">>", "@=", "^=", "|="].map(code))
    static let oneCharacter = Set(["%", "&", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">",
                                   "@", "[", "]", "^", "{", "|", "}", "~"].map(code))

    static func code(_ text: String) -> UInt64 {
        text.unicodeScalars.enumerated().reduce(0) { $0 | UInt64($1.element.value) << (21 * UInt64($1.offset)) }
    }

    func code(at start: Int, length: Int) -> UInt64? {
        guard start + length <= s.count else { return nil }
        var value: UInt64 = 0
        for offset in 0..<length { value |= UInt64(s[start + offset].value) << (21 * UInt64(offset)) }
        return value
    }

    mutating func operatorToken() throws(PythonSourceError) {
        let start = i
        let c = s[i]
        if let three = code(at: start, length: 3), Self.threeCharacter.contains(three) {
            i += 3
        } else if let two = code(at: start, length: 2), Self.twoCharacter.contains(two) {
            i += 2
        } else if Self.oneCharacter.contains(UInt64(c.value)) {
            i += 1
        } else {
            throw invalidCharacter(c, at: here)
        }
        let at = location(start)
        switch c {
        case "(", "[", "{":
            if brackets.count >= Tokenizer.maximumBracketDepth {
                throw error("too deeply nested: more than \(Tokenizer.maximumBracketDepth) levels of brackets", at: at)
            }
            brackets.append((c, at))
        case ")", "]", "}":
            guard let open = brackets.popLast() else { throw error("unmatched '\(c)'", at: at) }
            let expected: Unicode.Scalar = open.scalar == "(" ? ")" : open.scalar == "[" ? "]" : "}"
            if c != expected {
                let onLine = open.at.line != line ? " on line \(open.at.line)" : ""
                throw error("closing parenthesis '\(c)' does not match opening parenthesis '\(open.scalar)'\(onLine)", at: at)
            }
        default:
            break
        }
        emit(.op, from: start)
    }

    // MARK: Numbers

    func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }

    /// Digits of one radix with single underscores between them. Returns whether any were read;
    /// throws on a trailing or doubled underscore.
    mutating func digits(_ isValid: (Unicode.Scalar) -> Bool, kind: String) throws(PythonSourceError) -> Bool {
        var any = false
        while let c = peek() {
            if isValid(c) { any = true; i += 1; continue }
            if c == "_" {
                guard any, let next = peek(1), isValid(next) else {
                    throw error("invalid \(kind) literal", at: location(i))
                }
                i += 1
                continue
            }
            break
        }
        return any
    }

    mutating func number() throws(PythonSourceError) {
        let start = i
        let c = s[i]
        if c == "0", let x = peek(1), "xXoObB".unicodeScalars.contains(x) {
            i += 2
            if peek() == "_" { i += 1 }
            let (kind, isValid): (String, (Unicode.Scalar) -> Bool) = switch x {
            case "x", "X": ("hexadecimal", { ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) })
            case "o", "O": ("octal", { ("0"..."7").contains($0) })
            default: ("binary", { $0 == "0" || $0 == "1" })
            }
            let any = try digits(isValid, kind: kind)
            if let d = peek(), isDigit(d) {
                throw error("invalid digit '\(d)' in \(kind) literal", at: here)
            }
            if !any { throw error("invalid \(kind) literal", at: location(i - 1)) }
            try endOfNumber(kind: kind, start: start)
            return
        }
        var isFloat = false
        if c != "." {
            _ = try digits({ ("0"..."9").contains($0) }, kind: "decimal")
        }
        if peek() == "." {
            isFloat = true
            i += 1
            if isDigit(peek()) { _ = try digits({ ("0"..."9").contains($0) }, kind: "decimal") }
        }
        if let e = peek(), e == "e" || e == "E" {
            var j = i + 1
            if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
            if j < s.count, isDigit(s[j]) {
                isFloat = true
                i = j
                _ = try digits({ ("0"..."9").contains($0) }, kind: "decimal")
            } else if j > i + 1 || !(peekKeyword(at: i)) {
                throw error("invalid decimal literal", at: location(start))
            }
        }
        var isImaginary = false
        if let j = peek(), j == "j" || j == "J" { i += 1; isImaginary = true }
        if !isFloat && !isImaginary && c == "0" {
            let text = s[start..<i]
            if text.contains(where: { $0 != "0" && $0 != "_" }) {
                throw error("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                            at: location(start))
            }
        }
        try endOfNumber(kind: isImaginary ? "imaginary" : "decimal", start: start)
    }

    /// Whether a keyword that CPython 3.11 lets follow a number directly (`1if x else 2`) starts at `index`.
    func peekKeyword(at index: Int) -> Bool {
        for keyword in ["and", "else", "for", "if", "in", "is", "not", "or"] {
            let k = Array(keyword.unicodeScalars)
            if index + k.count <= s.count, Array(s[index..<(index + k.count)]) == k { return true }
        }
        return false
    }

    mutating func endOfNumber(kind: String, start: Int) throws(PythonSourceError) {
        if let c = peek(), isIdentifierContinue(c) {
            if isIdentifierStart(c), peekKeyword(at: i) {
                emit(.number, from: start)
                return
            }
            throw error("invalid \(kind) literal", at: location(i - 1))
        }
        emit(.number, from: start)
    }

    // MARK: Strings

    mutating func string(start: Int, prefix: String) throws(PythonSourceError) {
        let startLocation = location(start)
        let q = s[i]
        let triple = peek(1) == q && peek(2) == q
        let width = triple ? 3 : 1
        i += width
        let bodyStart = i
        var bodyEnd = i
        while true {
            guard i < s.count else {
                let kind = triple ? "unterminated triple-quoted string literal" : "unterminated string literal"
                // CPython does not count an empty last line.
                let detected = i == lineStart && line > 1 ? line - 1 : line
                throw error("\(kind) (detected at line \(detected))", at: startLocation)
            }
            let c = s[i]
            if c == "\\" {
                i += 1
                if i < s.count {
                    if s[i] == "\n" { i += 1; newLine() } else { i += 1 }
                }
                continue
            }
            if c == "\n" {
                if !triple {
                    throw error("unterminated string literal (detected at line \(line))", at: startLocation)
                }
                i += 1
                newLine()
                continue
            }
            if c == q && (!triple || (peek(1) == q && peek(2) == q)) {
                bodyEnd = i
                i += width
                break
            }
            i += 1
        }
        let quote = String(repeating: String(Character(q)), count: width)
        switch StringLiteral.decode(prefix: prefix, quote: quote, body: Array(s[bodyStart..<bodyEnd])) {
        case .success(let literal):
            emit(.string, from: start, startLocation: startLocation, string: literal)
        case .failure(let problem):
            throw statusError(problem.message, at: problem.atStart ? startLocation : here)
        }
    }

    // MARK: End of input

    mutating func finish() throws(PythonSourceError) {
        if let open = brackets.last {
            throw error("'\(open.scalar)' was never closed", at: open.at)
        }
        if logicalLineHasTokens {
            tokens.append(Token(kind: .newline, text: "", start: here, end: here))
            logicalLineHasTokens = false
        }
        // Where CPython puts the end of input: just after the last line's text (the last line
        // ended by a newline, or the unended one).
        var lastLineStart = lineStart
        var lastLine = line
        if i == lineStart && i > 0 {
            lastLine = line - 1
            lastLineStart = (s[..<(i - 1)].lastIndex(of: "\n") ?? -1) + 1
        }
        let endAt = SourceLocation(line: max(lastLine, 1), column: s.count - lastLineStart + (i == lineStart && i > 0 ? 0 : 1))
        for _ in 1..<indents.count {
            tokens.append(Token(kind: .dedent, text: "", start: endAt, end: endAt))
        }
        tokens.append(Token(kind: .endMarker, text: "", start: endAt, end: endAt))
    }
}
