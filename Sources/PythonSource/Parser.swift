import Foundation

/// A recursive-descent parser for Python 3.11 following CPython's PEG grammar
/// (`Grammar/python.gram`): statements, expressions with its precedence, targets, `match`.
///
/// It builds the tree and reports the first syntax error with CPython's line and, where
/// practical, its wording (`invalid syntax`, `unexpected indent`, `expected ':'`,
/// `expected an indented block after 'if' statement on line 3`, `cannot assign to function call`,
/// `positional argument follows keyword argument`, ...). What CPython checks only when it
/// compiles (`'return' outside function`, duplicate arguments) is not checked, as `ast.parse`
/// does not check it either.
///
/// Nesting is bounded: brackets by the ``Tokenizer`` (200), indentation by the tokenizer (100),
/// and both the parser's recursion (`- - - x`, `not not x`, `a ** b ** c`, chained conditionals,
/// lambdas, `elif`s) and the height of expression trees (`a.b.c...`, `1 + 1 + ...`, `f()()...`)
/// by ``maximumNestingDepth``; beyond them the error is `too deeply nested`, never a stack
/// overflow. (CPython gives up on such input too: `RecursionError` during AST construction.)
/// Parsing runs on a thread with a large stack of its own, as deep input needs several megabytes.
public struct Parser: Sendable {
    public static let maximumNestingDepth = 1000

    let file: String
    let tokens: [Token]
    /// A tokenizer error after the last token; reported when parsing reaches it, or in place of
    /// a plain `invalid syntax` (CPython tokenizes the rest of the file before reporting one).
    let pending: ScanError?
    var pendingError: PythonSourceError? { pending?.error }
    var position = 0
    /// The furthest token reached, as CPython's `p->fill`: it decides whether an unclosed bracket
    /// found later overrides a syntax error.
    var furthest = 0
    var depth = 0

    /// Parses a whole file (`ast.parse(source, mode='exec')`). Runs on a thread of its own with
    /// a large stack, so that deeply nested input cannot overflow the caller's.
    public static func parse(_ source: String, file: String = "<string>") throws(PythonSourceError) -> PythonModule {
        try DeepStack.run { parseOnThisThread(source, file: file) }.get()
    }

    /// Parses one expression (`ast.parse(source, mode='eval')`): `star_expressions` then the end.
    public static func parseExpression(_ source: String, file: String = "<string>") throws(PythonSourceError) -> Expr {
        try DeepStack.run { () -> Result<Expr, PythonSourceError> in
            var parser = Parser(source: source, file: file)
            do throws(PythonSourceError) {
                let expression = try parser.starExpressions()
                while parser.current.kind == .newline { parser.advance() }
                guard parser.current.kind == .endMarker else { throw parser.fail() }
                if let error = parser.pendingError { throw error }
                return .success(expression)
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// ``parse(_:file:)`` on the current thread, for callers already on a ``DeepStack`` thread.
    static func parseOnThisThread(_ source: String, file: String) -> Result<PythonModule, PythonSourceError> {
        var parser = Parser(source: source, file: file)
        do throws(PythonSourceError) {
            let module = try parser.module()
            if let error = parser.pendingError { throw error }
            return .success(module)
        } catch {
            return .failure(error)
        }
    }

    init(source: String, file: String) {
        self.file = file
        let (tokens, error) = Tokenizer.scan(source, file: file)
        self.tokens = tokens.filter { $0.kind != .comment && $0.kind != .nl }
        self.pending = error
    }

    // MARK: Tokens

    var current: Token { tokens[position] }

    func peek(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    /// The end of the last token consumed.
    var previousEnd: SourceLocation { position > 0 ? tokens[position - 1].end : current.start }

    mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
        furthest = max(furthest, position)
    }

    /// Reads ahead as CPython's error pass does where two expressions follow each other
    /// (`invalid_expression`): if reading the second one reaches a tokenizer error, that error
    /// is the one to report. Restores the position.
    mutating func tokenizerErrorAhead() -> PythonSourceError? {
        guard let pending else { return nil }
        let saved = (position, depth)
        defer { (position, depth) = saved }
        do throws(PythonSourceError) {
            _ = try expression()
            return position == tokens.count - 1 ? pending.error : nil
        } catch {
            return error == pending.error ? error : nil
        }
    }

    /// Consumes the operator `text` if it is next.
    mutating func accept(_ text: String) -> Bool {
        guard current.isOp(text) else { return false }
        advance()
        return true
    }

    /// Consumes the keyword or name `text` if it is next.
    mutating func acceptName(_ text: String) -> Bool {
        guard current.isName(text) else { return false }
        advance()
        return true
    }

    mutating func expect(_ text: String, _ message: String? = nil) throws(PythonSourceError) {
        guard accept(text) else { throw fail(message ?? "invalid syntax") }
    }

    mutating func expectName(_ text: String, _ message: String? = nil) throws(PythonSourceError) {
        guard acceptName(text) else { throw fail(message ?? "invalid syntax") }
    }

    /// An identifier that is not a keyword, NFKC-normalised.
    mutating func identifier() throws(PythonSourceError) -> String {
        guard current.kind == .name, !pythonKeywords.contains(current.text) else { throw fail() }
        let name = Parser.normalize(current.text)
        advance()
        return name
    }

    static func normalize(_ name: String) -> String {
        name.utf8.allSatisfy({ $0 < 0x80 }) ? name : name.precomposedStringWithCompatibilityMapping
    }

    var isIdentifier: Bool { current.kind == .name && !pythonKeywords.contains(current.text) }

    // MARK: Errors and nesting

    /// The error to report when parsing fails here, chosen as CPython does (`Parser/pegen_errors.c`):
    /// the tokenizer's error if parsing reached it; `unexpected indent`/`unindent` for a plain
    /// failure at an INDENT or DEDENT; else `message`, unless the rest of the file has a tokenizer
    /// error, which wins (an unclosed bracket only when opened on an earlier line than the error).
    func fail(_ message: String = "invalid syntax", at location: SourceLocation? = nil) -> PythonSourceError {
        if let pendingError, position == tokens.count - 1 { return pendingError }
        if message == "invalid syntax" && location == nil {
            switch current.kind {
            case .indent:
                // CPython points at the last character of the indentation.
                let at = SourceLocation(line: current.end.line, column: max(1, current.end.column - 1))
                return PythonSourceError(file: file, line: at.line, column: at.column, message: "unexpected indent")
            case .dedent:
                return PythonSourceError(file: file, line: current.start.line, column: current.start.column, message: "unexpected unindent")
            default:
                break
            }
        }
        let at = location ?? current.start
        if let pending, pending.overridesSyntaxErrors {
            guard let bracketLine = pending.unclosedBracketLine else { return pending.error }
            if max(at.line, tokens[min(furthest, tokens.count - 1)].start.line) > bracketLine { return pending.error }
        }
        return PythonSourceError(file: file, line: at.line, column: at.column, message: message)
    }

    /// Counts one level of nesting; callers `defer { depth -= 1 }`.
    mutating func enter() throws(PythonSourceError) {
        depth += 1
        if depth > Parser.maximumNestingDepth {
            throw fail("too deeply nested: more than \(Parser.maximumNestingDepth) levels")
        }
    }
}
