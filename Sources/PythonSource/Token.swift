/// One token of Python source, as CPython's `Lib/tokenize.py` reports it (without its ENCODING
/// token, and with ERRORTOKEN replaced by a thrown ``PythonSourceError``).
///
/// - `name`: identifiers and keywords alike (`def`, `max_length`, `naïve`); `text` as written.
/// - `number`: integer, float and imaginary literals as written (`0x_FF`, `1_000.5e-3j`).
/// - `string`: a whole string literal with its prefix and quotes; ``string`` holds it decoded.
///   In Python 3.11 an f-string is one STRING token too.
/// - `op`: operators and delimiters, longest match first (`**=`, `...`, `:=`, `->`).
/// - `newline`: the end of a logical line; `nl`: a line break that ends no statement (blank and
///   comment-only lines, breaks inside brackets); `comment`: `#` to the end of the line.
/// - `indent`, `dedent`: changes of indentation at the start of a logical line.
/// - `endMarker`: the end of the input.
///
/// `start` is the position of the first character, `end` the position just after the last one.
public struct Token: Sendable, Equatable {
    /// The token types of `Lib/token.py` that the tokenizer produces.
    public enum Kind: String, Sendable, Equatable {
        case name, number, string, op, newline, nl, comment, indent, dedent, endMarker
    }

    public var kind: Kind
    public var text: String
    public var start: SourceLocation
    public var end: SourceLocation
    /// Kept out of line so that tokens stay small (the parser copies them often).
    private var literal: LiteralBox?

    public init(kind: Kind, text: String, start: SourceLocation, end: SourceLocation, string: StringLiteral? = nil) {
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.literal = string.map(LiteralBox.init)
    }

    /// The decoded literal of a `string` token; `nil` for every other kind.
    public var string: StringLiteral? {
        get { literal?.value }
        set { literal = newValue.map(LiteralBox.init) }
    }

    public static func == (a: Token, b: Token) -> Bool {
        a.kind == b.kind && a.text == b.text && a.start == b.start && a.end == b.end && a.string == b.string
    }

    /// Whether this is the operator or delimiter `text`.
    @inlinable public func isOp(_ text: String) -> Bool { kind == .op && self.text == text }

    /// Whether this is the name (or keyword) `text`.
    @inlinable public func isName(_ text: String) -> Bool { kind == .name && self.text == text }
}

private final class LiteralBox: Sendable {
    let value: StringLiteral
    init(_ value: StringLiteral) { self.value = value }
}

/// Python 3.11's reserved words (`keyword.kwlist`). `match`, `case` and `_` are soft keywords and
/// stay ordinary names.
public let pythonKeywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]
