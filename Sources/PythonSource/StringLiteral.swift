import Foundation

/// A string literal token taken apart and decoded as CPython does (language reference, *Lexical
/// analysis › String and Bytes literals*; `Parser/string_parser.c`).
///
/// - `prefix`: as written, any case: `r`, `u`, `b`, `br`, `rb`, `f`, `fr`, `rf`, or empty.
/// - `quote`: `'`, `"`, `'''` or `"""`; `body` is the text between the quotes, as written.
/// - `value`: `.text` for `str` literals, `.bytes` for `bytes` literals, `.formatted` for f-strings
///   (their replacement fields are checked for balance but not parsed; `body` keeps the template).
///
/// Escapes in non-raw literals: `\<newline>` (dropped), `\\ \' \" \a \b \f \n \r \t \v`, octal
/// `\ooo` (1–3 digits; in bytes taken modulo 256 as CPython does), `\xhh`, and in `str` only
/// `\uXXXX`, `\UXXXXXXXX` and `\N{NAME}` (the Unicode name, case-insensitive). Any other escape
/// keeps its backslash (CPython 3.11 warns and does the same). Raw literals keep every backslash.
///
/// Errors (CPython's messages): truncated `\x`, `\u`, `\U` escapes, code points above U+10FFFF,
/// unknown `\N{...}` names, non-ASCII characters in bytes, unbalanced f-string braces. A lone
/// surrogate (`'\ud800'`), which a Swift `String` cannot hold, is no error: the value is
/// `.unsupported(reason)`.
public struct StringLiteral: Sendable, Equatable {
    /// The literal's value: text, bytes, or the mark of an f-string.
    public enum Value: Sendable, Equatable {
        case text(String)
        case bytes([UInt8])
        case formatted
        /// A valid literal that a Swift `String` cannot hold (a lone surrogate such as `'\\ud800'`);
        /// the reason, for ``PythonLiteral`` to report.
        case unsupported(String)
    }

    public var prefix: String
    public var quote: String
    public var body: String
    public var value: Value

    public var isRaw: Bool { prefix.contains { $0 == "r" || $0 == "R" } }
    public var isBytes: Bool { prefix.contains { $0 == "b" || $0 == "B" } }
    public var isFormatted: Bool { prefix.contains { $0 == "f" || $0 == "F" } }

    /// The prefixes Python 3 accepts, lowercased.
    static let prefixes: Set<String> = ["r", "u", "b", "br", "rb", "f", "fr", "rf"]

    /// Decodes a literal whose parts the tokenizer found; `body` has `\n` line ends only.
    /// Errors are messages; the tokenizer places them at the token.
    static func decode(prefix: String, quote: String, body: [Unicode.Scalar]) -> Result<StringLiteral, StringLiteralError> {
        let lower = prefix.lowercased()
        let raw = lower.contains("r"), bytes = lower.contains("b"), formatted = lower.contains("f")
        let bodyText = String(String.UnicodeScalarView(body))
        func make(_ value: Value) -> StringLiteral {
            StringLiteral(prefix: prefix, quote: quote, body: bodyText, value: value)
        }
        if bytes {
            if let bad = body.firstIndex(where: { !$0.isASCII }) {
                _ = bad
                return .failure(StringLiteralError("bytes can only contain ASCII literal characters", atStart: true))
            }
            if raw { return .success(make(.bytes(body.map { UInt8($0.value) }))) }
            return decodeBytes(body).map { make(.bytes($0)) }
        }
        if formatted {
            if let problem = checkFormatted(body, raw: raw) { return .failure(problem) }
            return .success(make(.formatted))
        }
        if raw { return .success(make(.text(bodyText))) }
        return decodeText(body).map { make($0) }
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 87
        case "A"..."F": return c.value - 55
        default: return nil
        }
    }

    private static func octalValue(_ c: Unicode.Scalar) -> UInt32? {
        ("0"..."7").contains(c) ? c.value - 48 : nil
    }

    /// The single-character escapes shared by `str` and `bytes`.
    private static func simpleEscape(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "\\": return 0x5C
        case "'": return 0x27
        case "\"": return 0x22
        case "a": return 7
        case "b": return 8
        case "f": return 12
        case "n": return 10
        case "r": return 13
        case "t": return 9
        case "v": return 11
        default: return nil
        }
    }

    private static func decodeText(_ s: [Unicode.Scalar]) -> Result<Value, StringLiteralError> {
        var out = String.UnicodeScalarView()
        var unsupported: String? = nil
        var i = 0
        func unicodeError(_ start: Int, _ end: Int, _ what: String) -> StringLiteralError {
            StringLiteralError("(unicode error) 'unicodeescape' codec can't decode bytes in position \(start)-\(end): \(what)")
        }
        while i < s.count {
            let c = s[i]
            guard c == "\\", i + 1 < s.count else { out.append(c); i += 1; continue }
            let e = s[i + 1]
            if e == "\n" { i += 2; continue }
            if let v = simpleEscape(e), let scalar = Unicode.Scalar(v) { out.append(scalar); i += 2; continue }
            if octalValue(e) != nil {
                var v: UInt32 = 0, j = i + 1
                while j < s.count, j < i + 4, let d = octalValue(s[j]) { v = v * 8 + d; j += 1 }
                if let scalar = Unicode.Scalar(v) { out.append(scalar) }
                i = j
                continue
            }
            if e == "x" || e == "u" || e == "U" {
                let digits = e == "x" ? 2 : e == "u" ? 4 : 8
                var v: UInt32 = 0, j = i + 2
                while j < s.count, j < i + 2 + digits, let d = hexValue(s[j]) { v = v &* 16 &+ d; j += 1 }
                guard j == i + 2 + digits else {
                    let name = e == "x" ? "\\xXX" : e == "u" ? "\\uXXXX" : "\\UXXXXXXXX"
                    return .failure(unicodeError(i, j - 1, "truncated \(name) escape"))
                }
                if v > 0x10FFFF { return .failure(unicodeError(i, j - 1, "illegal Unicode character")) }
                guard let scalar = Unicode.Scalar(v) else {
                    unsupported = unsupported ?? "the string holds the lone surrogate \\u\(String(v, radix: 16)), which a Swift string cannot hold"
                    i = j
                    continue
                }
                out.append(scalar)
                i = j
                continue
            }
            if e == "N" {
                guard i + 2 < s.count, s[i + 2] == "{", let close = s[(i + 3)...].firstIndex(of: "}"), close > i + 3 else {
                    return .failure(unicodeError(i, min(i + 2, s.count - 1), "malformed \\N character escape"))
                }
                let name = String(String.UnicodeScalarView(s[(i + 3)..<close]))
                guard let scalar = characterNamed(name) else {
                    return .failure(unicodeError(i, close, "unknown Unicode character name"))
                }
                out.append(scalar)
                i = close + 1
                continue
            }
            // An unknown escape keeps its backslash.
            out.append(c)
            i += 1
        }
        if let unsupported { return .success(.unsupported(unsupported)) }
        return .success(.text(String(out)))
    }

    private static func decodeBytes(_ s: [Unicode.Scalar]) -> Result<[UInt8], StringLiteralError> {
        var out: [UInt8] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            guard c == "\\", i + 1 < s.count else { out.append(UInt8(truncatingIfNeeded: c.value)); i += 1; continue }
            let e = s[i + 1]
            if e == "\n" { i += 2; continue }
            if let v = simpleEscape(e) { out.append(UInt8(v)); i += 2; continue }
            if octalValue(e) != nil {
                var v: UInt32 = 0, j = i + 1
                while j < s.count, j < i + 4, let d = octalValue(s[j]) { v = v * 8 + d; j += 1 }
                out.append(UInt8(truncatingIfNeeded: v))
                i = j
                continue
            }
            if e == "x" {
                guard i + 3 < s.count, let high = hexValue(s[i + 2]), let low = hexValue(s[i + 3]) else {
                    return .failure(StringLiteralError("(value error) invalid \\x escape at position \(i)"))
                }
                out.append(UInt8(high * 16 + low))
                i += 4
                continue
            }
            out.append(0x5C)
            i += 1
        }
        return .success(out)
    }

    /// A Unicode character by name (`\N{EM DASH}`), through ICU's name transform.
    static func characterNamed(_ name: String) -> Unicode.Scalar? {
        let upper = name.uppercased()
        guard !upper.isEmpty, upper.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == " " || $0 == "-" })
        else { return nil }
        guard let found = "\\N{\(upper)}".applyingTransform(StringTransform("Name-Any"), reverse: false) else { return nil }
        let scalars = Array(found.unicodeScalars)
        return scalars.count == 1 ? scalars[0] : nil
    }

    /// Checks the braces of an f-string template as Python 3.11 does: `{{` and `}}` are literal,
    /// every other `{` opens a replacement field that must be closed, and a lone `}` is an error.
    private static func checkFormatted(_ s: [Unicode.Scalar], raw: Bool) -> StringLiteralError? {
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\\" && !raw { i += 2; continue }
            if c == "}" {
                if i + 1 < s.count, s[i + 1] == "}" { i += 2; continue }
                return StringLiteralError("f-string: single '}' is not allowed")
            }
            guard c == "{" else { i += 1; continue }
            if i + 1 < s.count, s[i + 1] == "{" { i += 2; continue }
            // A replacement field: the expression, an optional !conversion, an optional :spec
            // whose nested fields count as braces too.
            var depth = 1, j = i + 1, expressionEnd: Int? = nil, brackets = 0
            while j < s.count, depth > 0 {
                let d = s[j]
                if d == "'" || d == "\"" {
                    // A string inside the expression (the other quote kind in 3.11).
                    let triple = j + 2 < s.count && s[j + 1] == d && s[j + 2] == d
                    let width = triple ? 3 : 1
                    var k = j + width
                    while k < s.count {
                        if s[k] == d, !triple || (k + 2 < s.count && s[k + 1] == d && s[k + 2] == d) { break }
                        k += 1
                    }
                    if k >= s.count { return StringLiteralError("f-string: unterminated string") }
                    j = k + width
                    continue
                }
                if d == "{" { depth += 1 } else if d == "}" { depth -= 1 }
                if depth == 1 && expressionEnd == nil {
                    if d == "(" || d == "[" { brackets += 1 } else if d == ")" || d == "]" { brackets -= 1 }
                    if brackets <= 0, d == ":" || (d == "!" && j + 1 < s.count && s[j + 1] != "=") { expressionEnd = j }
                }
                if depth == 0 && expressionEnd == nil { expressionEnd = j }
                j += 1
            }
            if depth > 0 { return StringLiteralError("f-string: expecting '}'") }
            let expression = s[(i + 1)..<(expressionEnd ?? j - 1)]
            if expression.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\u{0C}" }) {
                return StringLiteralError("f-string: empty expression not allowed")
            }
            i = j
        }
        return nil
    }
}

/// A message about a string literal; the tokenizer gives it the token's position.
/// CPython places most of these at the end of the literal, a few at its start.
struct StringLiteralError: Error {
    var message: String
    var atStart: Bool
    init(_ message: String, atStart: Bool = false) {
        self.message = message
        self.atStart = atStart
    }
}
