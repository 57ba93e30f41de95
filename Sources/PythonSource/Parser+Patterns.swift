/// The `match` statement and its patterns (`match_stmt`, `patterns` ... `class_pattern` in
/// `Grammar/python.gram`, PEP 634). `match` and `case` are soft keywords: a line that does not
/// parse as `match subject:` followed by an indented block is an ordinary statement.
extension Parser {
    /// A `match` statement, or `nil` (with nothing consumed) when `match` is just a name here.
    mutating func matchStatement() throws(PythonSourceError) -> Statement? {
        let saved = (position, depth)
        let start = current.start
        advance()
        let subject: Expr
        do {
            subject = try matchSubject()
            guard current.isOp(":"), peek().kind == .newline else { throw fail() }
        } catch {
            (position, depth) = saved
            return nil
        }
        advance()
        advance()
        guard current.kind == .indent else {
            throw fail("expected an indented block after 'match' statement on line \(start.line)")
        }
        advance()
        var cases: [MatchCase] = []
        while current.kind != .dedent && current.kind != .endMarker {
            guard current.isName("case") else { throw fail() }
            let line = current.start.line
            advance()
            let pattern = try patterns()
            let guardExpression = acceptName("if") ? try namedExpression() : nil
            let body = try colonBlock(after: "'case' statement", line: line)
            cases.append(MatchCase(pattern: pattern, guardExpression: guardExpression, body: body))
        }
        advance()
        return Statement(.match(subject: subject, cases: cases), start: start,
                         end: Parser.end(of: cases.last?.body ?? [], otherwise: start))
    }

    /// `subject_expr`: `star_named_expression ',' star_named_expressions?` or `named_expression`.
    mutating func matchSubject() throws(PythonSourceError) -> Expr {
        let start = current.start
        let first = try starNamedExpression()
        guard current.isOp(",") else {
            if case .starred = first.kind { throw fail() }
            return first
        }
        var items = [first]
        while accept(",") {
            guard startsExpression else { break }
            items.append(try starNamedExpression())
        }
        return try node(.tuple(items), from: start)
    }

    /// `patterns`: an open sequence (`case a, *rest:`) or one pattern.
    mutating func patterns() throws(PythonSourceError) -> Pattern {
        let start = current.start
        let first = try maybeStarPattern()
        guard current.isOp(",") else {
            if case .star = first.kind { throw fail(at: first.start) }
            return first
        }
        var items = [first]
        while accept(",") {
            if current.isOp(":") || current.isName("if") { break }
            items.append(try maybeStarPattern())
        }
        return Pattern(.sequence(items), start: start)
    }

    mutating func maybeStarPattern() throws(PythonSourceError) -> Pattern {
        let start = current.start
        guard accept("*") else { return try pattern() }
        let name = try identifier()
        return Pattern(.star(name == "_" ? nil : name), start: start)
    }

    /// `pattern`: `or_pattern ['as' NAME]`.
    mutating func pattern() throws(PythonSourceError) -> Pattern {
        let start = current.start
        let first = try closedPattern()
        var alternatives = [first]
        while accept("|") { alternatives.append(try closedPattern()) }
        let or = alternatives.count == 1 ? first : Pattern(.or(alternatives), start: start)
        guard acceptName("as") else { return or }
        let name = try identifier()
        if name == "_" { throw fail("cannot use '_' as a target", at: tokens[position - 1].start) }
        return Pattern(.as(or, name: name), start: start)
    }

    /// `closed_pattern`: literals, captures, `_`, values, groups, sequences, mappings, classes.
    mutating func closedPattern() throws(PythonSourceError) -> Pattern {
        try enter()
        defer { depth -= 1 }
        let start = current.start
        let token = current
        switch token.kind {
        case .number:
            return Pattern(.value(try numberPattern()), start: start)
        case .string:
            return Pattern(.value(try strings()), start: start)
        case .op where token.text == "-":
            return Pattern(.value(try numberPattern()), start: start)
        case .name:
            if ["None", "True", "False"].contains(token.text) {
                return Pattern(.singleton(try atom()), start: start)
            }
            let (value, dotted) = try dottedName()
            if current.isOp("(") { return try classPattern(value, start: start) }
            if dotted { return Pattern(.value(value), start: start) }
            if case .name(let name) = value.kind {
                return Pattern(.as(nil, name: name == "_" ? nil : name), start: start)
            }
            throw fail(at: start)
        case .op where token.text == "(" || token.text == "[":
            let closing = token.text == "(" ? ")" : "]"
            advance()
            if accept(closing) { return Pattern(.sequence([]), start: start) }
            let first = try maybeStarPattern()
            if closing == ")", accept(")") {
                if case .star = first.kind { throw fail(at: first.start) }
                return first
            }
            var items = [first]
            while accept(",") {
                if current.isOp(closing) { break }
                items.append(try maybeStarPattern())
            }
            try closeBracket(closing, after: nil)
            return Pattern(.sequence(items), start: start)
        case .op where token.text == "{":
            return try mappingPattern()
        default:
            throw fail()
        }
    }

    /// `NAME ('.' NAME)*` as a name or attribute expression, and whether it had a dot.
    mutating func dottedName() throws(PythonSourceError) -> (Expr, Bool) {
        let start = current.start
        var value = Expr(.name(try identifier()), start: start, end: previousEnd)
        var dotted = false
        while accept(".") {
            let name = try identifier()
            value = try node(.attribute(value, name: name), from: start)
            dotted = true
        }
        return (value, dotted)
    }

    /// `signed_number` or `complex_number`: `-1`, `2.5`, `1 + 2j`, `-1 - 2j`.
    mutating func numberPattern() throws(PythonSourceError) -> Expr {
        let start = current.start
        func number(_ parser: inout Parser) throws(PythonSourceError) -> Expr {
            let token = parser.current
            guard token.kind == .number else { throw parser.fail() }
            parser.advance()
            return Expr(Parser.number(token.text), start: token.start, end: token.end)
        }
        var value: Expr
        if accept("-") {
            let operand = try number(&self)
            value = try node(.unary(.minus, operand), from: start)
        } else {
            value = try number(&self)
        }
        if current.isOp("+") || current.isOp("-"), peek().kind == .number {
            let op: BinaryOperator = current.text == "+" ? .add : .subtract
            advance()
            let imaginary = try number(&self)
            guard case .imaginary = imaginary.kind else {
                throw fail("imaginary number required in complex literal", at: imaginary.start)
            }
            value = try node(.binary(value, op, imaginary), from: start)
        }
        return value
    }

    /// `{key: pattern, ..., **rest}`; keys are literals or dotted names.
    mutating func mappingPattern() throws(PythonSourceError) -> Pattern {
        let start = current.start
        advance()
        var keys: [Expr] = [], patterns: [Pattern] = []
        var rest: String? = nil
        while !current.isOp("}") {
            if rest != nil { throw fail() }
            if accept("**") {
                rest = try identifier()
            } else {
                let key: Expr
                switch current.kind {
                case .number: key = try numberPattern()
                case .op where current.text == "-": key = try numberPattern()
                case .string: key = try strings()
                case .name where ["None", "True", "False"].contains(current.text): key = try atom()
                case .name:
                    let (value, dotted) = try dottedName()
                    guard dotted else { throw fail(at: value.start) }
                    key = value
                default: throw fail()
                }
                try expect(":")
                keys.append(key)
                patterns.append(try pattern())
            }
            if !accept(",") { break }
        }
        try closeBracket("}", after: nil)
        return Pattern(.mapping(keys: keys, patterns: patterns, rest: rest), start: start)
    }

    /// `Class(p, q, name=r)`
    mutating func classPattern(_ cls: Expr, start: SourceLocation) throws(PythonSourceError) -> Pattern {
        advance()
        var positional: [Pattern] = [], keywords: [String] = [], keywordPatterns: [Pattern] = []
        while !current.isOp(")") {
            if current.kind == .name, peek().isOp("=") {
                keywords.append(try identifier())
                advance()
                keywordPatterns.append(try pattern())
            } else {
                let positionalStart = current.start
                let value = try pattern()
                if !keywords.isEmpty { throw fail("positional patterns follow keyword patterns", at: positionalStart) }
                positional.append(value)
            }
            if !accept(",") { break }
        }
        try closeBracket(")", after: nil)
        return Pattern(.class(cls, patterns: positional, keywords: keywords, keywordPatterns: keywordPatterns), start: start)
    }
}
