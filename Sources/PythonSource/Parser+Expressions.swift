/// Expressions, following `Grammar/python.gram` (Python 3.11): `star_expressions` down to `atom`.
/// Binary operators are parsed by precedence climbing over the grammar's levels, lowest first:
/// `or`, `and`, `not`, comparisons, `|`, `^`, `&`, shifts, `+ -`, `* / // % @`; then unary
/// `+ - ~`, `**` (right-associative, binding tighter than a unary operator on its left),
/// `await`, and primaries.
extension Parser {
    /// Whether the current token can begin an expression.
    var startsExpression: Bool {
        let token = current
        switch token.kind {
        case .name:
            return !pythonKeywords.contains(token.text)
                || ["not", "lambda", "await", "None", "True", "False"].contains(token.text)
        case .number, .string:
            return true
        case .op:
            return ["(", "[", "{", "-", "+", "~", "...", "*"].contains(token.text)
        default:
            return false
        }
    }

    var isComprehensionStart: Bool {
        current.isName("for") || (current.isName("async") && peek().isName("for"))
    }

    /// A node from `start` to the end of the last token consumed; too tall a tree is an error.
    func node(_ kind: Expr.Kind, from start: SourceLocation) throws(PythonSourceError) -> Expr {
        let expression = Expr(kind, start: start, end: previousEnd)
        if expression.height > Parser.maximumNestingDepth {
            throw fail("too deeply nested: more than \(Parser.maximumNestingDepth) levels", at: start)
        }
        return expression
    }

    /// `star_expressions`: one or more `star_expression`s; with a comma, a tuple.
    mutating func starExpressions() throws(PythonSourceError) -> Expr {
        let start = current.start
        let first = try starExpression()
        guard current.isOp(",") else { return first }
        var items = [first]
        while accept(",") {
            guard startsExpression else { break }
            items.append(try starExpression())
        }
        return try node(.tuple(items), from: start)
    }

    /// `star_expression`: `'*' bitwise_or | expression`.
    mutating func starExpression() throws(PythonSourceError) -> Expr {
        if current.isOp("*") {
            let start = current.start
            advance()
            let value = try bitwiseOr()
            return try node(.starred(value), from: start)
        }
        return try expression()
    }

    /// `star_named_expression`: `'*' bitwise_or | named_expression`.
    mutating func starNamedExpression() throws(PythonSourceError) -> Expr {
        if current.isOp("*") { return try starExpression() }
        return try namedExpression()
    }

    /// `named_expression`: `NAME ':=' expression | expression`.
    mutating func namedExpression() throws(PythonSourceError) -> Expr {
        let start = current.start
        if isIdentifier && peek().isOp(":=") {
            let token = current
            let name = try identifier()
            advance()
            let value = try expression()
            return try node(.namedExpr(name: Expr(.name(name), start: token.start, end: token.end), value: value), from: start)
        }
        let value = try expression()
        if current.isOp(":=") {
            throw fail("cannot use assignment expressions with \(Parser.describe(value))", at: value.start)
        }
        return value
    }

    /// `expression`: a lambda, or a disjunction with an optional `if ... else ...`.
    mutating func expression() throws(PythonSourceError) -> Expr {
        try enter()
        defer { depth -= 1 }
        if current.isName("lambda") { return try lambda() }
        let start = current.start
        let body = try binary(1)
        guard current.isName("if") else { return body }
        advance()
        let test = try binary(1)
        guard acceptName("else") else {
            throw current.isOp(":") ? fail() : fail("expected 'else' after 'if' expression", at: start)
        }
        let orElse = try expression()
        return try node(.conditional(body: body, test: test, orElse: orElse), from: start)
    }

    /// `disjunction`
    mutating func disjunction() throws(PythonSourceError) -> Expr { try binary(1) }

    /// `bitwise_or`
    mutating func bitwiseOr() throws(PythonSourceError) -> Expr { try binary(5) }

    enum Infix {
        case boolean(BooleanOperator)
        case compare(CompareOperator, tokens: Int)
        case binary(BinaryOperator, precedence: Int)

        var precedence: Int {
            switch self {
            case .boolean(let op): return op == .or ? 1 : 2
            case .compare: return 4
            case .binary(_, let precedence): return precedence
            }
        }
    }

    static let binaryPrecedence: [String: (BinaryOperator, Int)] = [
        "|": (.bitOr, 5), "^": (.bitXor, 6), "&": (.bitAnd, 7), "<<": (.leftShift, 8), ">>": (.rightShift, 8),
        "+": (.add, 9), "-": (.subtract, 9), "*": (.multiply, 10), "/": (.divide, 10), "//": (.floorDivide, 10),
        "%": (.modulo, 10), "@": (.matrixMultiply, 10),
    ]

    static let comparisonOperators: [String: CompareOperator] = [
        "<": .less, ">": .greater, "==": .equal, ">=": .greaterOrEqual, "<=": .lessOrEqual, "!=": .notEqual,
    ]

    var infixOperator: Infix? {
        let token = current
        switch token.kind {
        case .name:
            switch token.text {
            case "or": return .boolean(.or)
            case "and": return .boolean(.and)
            case "in": return .compare(.in, tokens: 1)
            case "not": return peek().isName("in") ? .compare(.notIn, tokens: 2) : nil
            case "is": return peek().isName("not") ? .compare(.isNot, tokens: 2) : .compare(.is, tokens: 1)
            default: return nil
            }
        case .op:
            if let op = Parser.comparisonOperators[token.text] { return .compare(op, tokens: 1) }
            if let (op, precedence) = Parser.binaryPrecedence[token.text] { return .binary(op, precedence: precedence) }
            return nil
        default:
            return nil
        }
    }

    /// The binary levels from `minimum` up: 1 `or`, 2 `and`, 3 `not`, 4 comparisons, 5 `|`,
    /// 6 `^`, 7 `&`, 8 shifts, 9 `+ -`, 10 `* / // % @`, then `factor`.
    mutating func binary(_ minimum: Int) throws(PythonSourceError) -> Expr {
        let start = current.start
        var left: Expr
        if minimum <= 3 && current.isName("not") {
            try enter()
            defer { depth -= 1 }
            advance()
            let operand = try binary(3)
            left = try node(.unary(.not, operand), from: start)
        } else {
            left = try factor()
        }
        while let op = infixOperator, op.precedence >= minimum {
            switch op {
            case .boolean(let kind):
                var values = [left]
                while current.isName(kind.rawValue) {
                    advance()
                    values.append(try binary(op.precedence + 1))
                }
                left = try node(.boolean(kind, values), from: start)
            case .compare:
                var comparisons: [Comparison] = []
                while case .compare(let comparison, let width)? = infixOperator {
                    for _ in 0..<width { advance() }
                    comparisons.append(Comparison(comparison, try binary(5)))
                }
                left = try node(.compare(left, comparisons), from: start)
            case .binary(let kind, let precedence):
                advance()
                let right = try binary(precedence + 1)
                left = try node(.binary(left, kind, right), from: start)
            }
        }
        return left
    }

    /// `factor`: unary `+ - ~`, then `power`.
    mutating func factor() throws(PythonSourceError) -> Expr {
        let start = current.start
        let op: UnaryOperator? = current.kind != .op ? nil : current.text == "-" ? .minus : current.text == "+" ? .plus
            : current.text == "~" ? .invert : nil
        if let op {
            try enter()
            defer { depth -= 1 }
            advance()
            let operand = try factor()
            return try node(.unary(op, operand), from: start)
        }
        return try power()
    }

    /// `power`: `await_primary ['**' factor]`.
    mutating func power() throws(PythonSourceError) -> Expr {
        let start = current.start
        let base = try awaitPrimary()
        guard current.isOp("**") else { return base }
        try enter()
        defer { depth -= 1 }
        advance()
        let exponent = try factor()
        return try node(.binary(base, .power, exponent), from: start)
    }

    /// `await_primary`: `['await'] primary`.
    mutating func awaitPrimary() throws(PythonSourceError) -> Expr {
        guard current.isName("await") else { return try primary() }
        let start = current.start
        advance()
        let value = try primary()
        return try node(.await(value), from: start)
    }

    /// `primary`: an atom followed by `.name`, `(arguments)` and `[slices]`.
    mutating func primary() throws(PythonSourceError) -> Expr {
        let start = current.start
        var value = try atom()
        while true {
            if accept(".") {
                let name = try identifier()
                value = try node(.attribute(value, name: name), from: start)
            } else if current.isOp("(") {
                let arguments = try callArguments()
                value = try node(.call(value, arguments: arguments), from: start)
            } else if accept("[") {
                let index = try slices()
                try closeBracket("]", after: index)
                value = try node(.subscript(value, index: index), from: start)
            } else {
                return value
            }
        }
    }

    /// `atom`: names, constants, numbers, strings, and the bracketed displays.
    mutating func atom() throws(PythonSourceError) -> Expr {
        let token = current
        switch token.kind {
        case .name:
            let kind: Expr.Kind
            switch token.text {
            case "None": kind = .none
            case "True": kind = .true
            case "False": kind = .false
            default:
                guard !pythonKeywords.contains(token.text) else { throw fail() }
                kind = .name(Parser.normalize(token.text))
            }
            advance()
            return Expr(kind, start: token.start, end: token.end)
        case .number:
            advance()
            return Expr(Parser.number(token.text), start: token.start, end: token.end)
        case .string:
            return try strings()
        case .op:
            switch token.text {
            case "(": return try parenthesized()
            case "[": return try listDisplay()
            case "{": return try braceDisplay()
            case "...":
                advance()
                return Expr(.ellipsis, start: token.start, end: token.end)
            default: throw fail()
            }
        default:
            throw fail()
        }
    }

    static func number(_ text: String) -> Expr.Kind {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") || lower.hasPrefix("0o") || lower.hasPrefix("0b") { return .int(text) }
        if lower.hasSuffix("j") { return .imaginary(text) }
        if lower.contains(".") || lower.contains("e") { return .float(text) }
        return .int(text)
    }

    /// Adjacent string literals, concatenated (`strings: STRING+`).
    mutating func strings() throws(PythonSourceError) -> Expr {
        let start = current.start
        var parts: [Token] = []
        while current.kind == .string {
            parts.append(current)
            advance()
        }
        let literals = parts.compactMap(\.string)
        let bytes = literals.filter(\.isBytes).count
        if bytes > 0 && bytes < literals.count {
            throw fail("cannot mix bytes and nonbytes literals", at: previousEnd)
        }
        if literals.contains(where: \.isFormatted) { return try node(.fstring(parts.map(\.text)), from: start) }
        if bytes > 0 {
            var value: [UInt8] = []
            for literal in literals { if case .bytes(let b) = literal.value { value += b } }
            return try node(.bytes(value), from: start)
        }
        var text = ""
        for literal in literals {
            switch literal.value {
            case .text(let part): text += part
            case .unsupported(let reason): return try node(.unsupportedString(reason), from: start)
            case .bytes, .formatted: break
            }
        }
        return try node(.string(text), from: start)
    }

    /// Expects the closing bracket; "Perhaps you forgot a comma?" when another expression follows.
    mutating func closeBracket(_ bracket: String, after previous: Expr?) throws(PythonSourceError) {
        if accept(bracket) { return }
        if let previous, startsExpression, !current.isOp("*") {
            if let error = tokenizerErrorAhead() { throw error }
            if suggestsComma(after: previous) {
                throw fail("invalid syntax. Perhaps you forgot a comma?", at: previous.start)
            }
        }
        throw fail()
    }

    /// Whether CPython's `invalid_expression` rule applies to `previous` followed by the current
    /// expression: not when `previous` begins with a soft keyword or is a name before a string.
    func suggestsComma(after previous: Expr) -> Bool {
        var index = position - 1
        while index > 0 && tokens[index].start > previous.start { index -= 1 }
        let first = tokens[index]
        guard first.start == previous.start else { return true }
        if first.kind == .name && ["match", "case", "_"].contains(first.text) { return false }
        if first.kind == .name && index + 1 < tokens.count && tokens[index + 1].kind == .string { return false }
        return true
    }

    /// `( )`: the empty tuple, a group, a tuple, a generator expression, or a parenthesised yield.
    mutating func parenthesized() throws(PythonSourceError) -> Expr {
        let start = current.start
        advance()
        if accept(")") { return try node(.tuple([]), from: start) }
        if current.isName("yield") {
            let value = try yieldExpression()
            try closeBracket(")", after: value)
            return value
        }
        let first = try starNamedExpression()
        if isComprehensionStart {
            if case .starred = first.kind { throw fail("iterable unpacking cannot be used in comprehension", at: first.start) }
            let generators = try comprehensionClauses()
            try closeBracket(")", after: nil)
            return try node(.generator(element: first, generators: generators), from: start)
        }
        if accept(")") {
            if case .starred = first.kind { throw fail("cannot use starred expression here", at: first.start) }
            return first
        }
        guard current.isOp(",") else {
            try closeBracket(")", after: first)
            return first
        }
        var items = [first]
        while accept(",") {
            if current.isOp(")") { break }
            items.append(try starNamedExpression())
        }
        try closeBracket(")", after: items.last)
        return try node(.tuple(items), from: start)
    }

    /// `[ ]`: a list or a list comprehension.
    mutating func listDisplay() throws(PythonSourceError) -> Expr {
        let start = current.start
        advance()
        if accept("]") { return try node(.list([]), from: start) }
        let first = try starNamedExpression()
        if isComprehensionStart {
            if case .starred = first.kind { throw fail("iterable unpacking cannot be used in comprehension", at: first.start) }
            let generators = try comprehensionClauses()
            try closeBracket("]", after: nil)
            return try node(.listComprehension(element: first, generators: generators), from: start)
        }
        var items = [first]
        while accept(",") {
            if current.isOp("]") { break }
            items.append(try starNamedExpression())
        }
        try closeBracket("]", after: items.last)
        return try node(.list(items), from: start)
    }

    /// `{ }`: a dict, a set, or their comprehensions.
    mutating func braceDisplay() throws(PythonSourceError) -> Expr {
        let start = current.start
        advance()
        if accept("}") { return try node(.dict([]), from: start) }
        var first: DictItem
        if accept("**") {
            first = DictItem(key: nil, value: try bitwiseOr())
        } else {
            let element = try starNamedExpression()
            var isStarred = false
            if case .starred = element.kind { isStarred = true }
            if !isStarred, accept(":") {
                first = DictItem(key: element, value: try expression())
            } else {
                // A set.
                if isComprehensionStart {
                    if isStarred { throw fail("iterable unpacking cannot be used in comprehension", at: element.start) }
                    let generators = try comprehensionClauses()
                    try closeBracket("}", after: nil)
                    return try node(.setComprehension(element: element, generators: generators), from: start)
                }
                var items = [element]
                while accept(",") {
                    if current.isOp("}") { break }
                    items.append(try starNamedExpression())
                }
                try closeBracket("}", after: items.last)
                return try node(.set(items), from: start)
            }
        }
        if let key = first.key, isComprehensionStart {
            let generators = try comprehensionClauses()
            try closeBracket("}", after: nil)
            return try node(.dictComprehension(key: key, value: first.value, generators: generators), from: start)
        }
        var items = [first]
        while accept(",") {
            if current.isOp("}") { break }
            if accept("**") {
                items.append(DictItem(key: nil, value: try bitwiseOr()))
            } else {
                let key = try expression()
                try expect(":", "':' expected after dictionary key")
                items.append(DictItem(key: key, value: try expression()))
            }
        }
        try closeBracket("}", after: items.last?.value)
        return try node(.dict(items), from: start)
    }

    /// `for_if_clauses`: `[async] for targets in disjunction (if disjunction)*`, one or more.
    mutating func comprehensionClauses() throws(PythonSourceError) -> [Comprehension] {
        var clauses: [Comprehension] = []
        while isComprehensionStart {
            let isAsync = acceptName("async")
            advance()
            let target = try targetList(.forTarget)
            try expectName("in")
            let iterable = try binary(1)
            var conditions: [Expr] = []
            while acceptName("if") { conditions.append(try binary(1)) }
            clauses.append(Comprehension(target: target, iterable: iterable, conditions: conditions, isAsync: isAsync))
        }
        return clauses
    }

    /// `slices`: one slice or expression, or a tuple of them (`a[1:2, ::3]`).
    mutating func slices() throws(PythonSourceError) -> Expr {
        let start = current.start
        let first = try slice()
        guard current.isOp(",") else {
            if case .starred = first.kind { return try node(.tuple([first]), from: start) }
            return first
        }
        var items = [first]
        while accept(",") {
            if current.isOp("]") { break }
            items.append(try slice())
        }
        return try node(.tuple(items), from: start)
    }

    /// `slice`: `[lower] : [upper] [: [step]]`, a named expression, or `*expression`.
    mutating func slice() throws(PythonSourceError) -> Expr {
        let start = current.start
        if current.isOp("*") {
            advance()
            let value = try expression()
            return try node(.starred(value), from: start)
        }
        var lower: Expr? = nil
        if !current.isOp(":") {
            let value = try namedExpression()
            guard current.isOp(":") else { return value }
            lower = value
        }
        advance()
        func ends(_ parser: Parser) -> Bool { parser.current.isOp(":") || parser.current.isOp(",") || parser.current.isOp("]") }
        let upper: Expr? = ends(self) ? nil : try expression()
        var step: Expr? = nil
        if accept(":"), !current.isOp(",") && !current.isOp("]") { step = try expression() }
        return try node(.slice(lower: lower, upper: upper, step: step), from: start)
    }

    /// The arguments of a call, from `(` through `)`, with CPython's ordering rules.
    mutating func callArguments() throws(PythonSourceError) -> [Argument] {
        let open = current.start
        advance()
        var arguments: [Argument] = []
        var sawKeyword = false, sawDoubleStar = false
        while !current.isOp(")") {
            let start = current.start
            if accept("*") {
                if sawDoubleStar { throw fail("iterable argument unpacking follows keyword argument unpacking", at: start) }
                arguments.append(Argument(.starred, value: try expression(), start: start))
            } else if accept("**") {
                sawDoubleStar = true
                arguments.append(Argument(.doubleStarred, value: try expression(), start: start))
            } else if current.kind == .name, peek().isOp("=") {
                if ["True", "False", "None"].contains(current.text) { throw fail("cannot assign to \(current.text)") }
                let name = try identifier()
                advance()
                sawKeyword = true
                arguments.append(Argument(.keyword(name), value: try expression(), start: start))
            } else {
                let value = try namedExpression()
                if isComprehensionStart {
                    let generators = try comprehensionClauses()
                    guard arguments.isEmpty, current.isOp(")") else {
                        throw fail("Generator expression must be parenthesized", at: value.start)
                    }
                    advance()
                    let generator = Expr(.generator(element: value, generators: generators), start: open, end: previousEnd)
                    return [Argument(.positional, value: generator, start: value.start)]
                }
                if current.isOp("=") {
                    let message = switch value.kind {
                    case .true, .false, .none: "cannot assign to \(Parser.describe(value))"
                    default: "expression cannot contain assignment, perhaps you meant \"==\"?"
                    }
                    throw fail(message, at: value.start)
                }
                if sawDoubleStar { throw fail("positional argument follows keyword argument unpacking") }
                if sawKeyword { throw fail("positional argument follows keyword argument") }
                arguments.append(Argument(.positional, value: value, start: start))
            }
            if !accept(",") { break }
        }
        try closeBracket(")", after: arguments.last?.value)
        return arguments
    }

    /// `lambdef`: `lambda [parameters]: expression`.
    mutating func lambda() throws(PythonSourceError) -> Expr {
        let start = current.start
        advance()
        let parameters = try parameterList(closing: ":", annotations: false)
        try expect(":")
        let body = try expression()
        return try node(.lambda(parameters, body: body), from: start)
    }

    /// `yield_expr`: `yield from expression`, or `yield [star_expressions]`.
    mutating func yieldExpression() throws(PythonSourceError) -> Expr {
        let start = current.start
        advance()
        if acceptName("from") {
            let value = try expression()
            return try node(.yieldFrom(value), from: start)
        }
        if startsExpression {
            let value = try starExpressions()
            return try node(.yield(value), from: start)
        }
        return try node(.yield(nil), from: start)
    }
}
