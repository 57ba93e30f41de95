/// Statements, following `Grammar/python.gram` (Python 3.11): `statements`, `simple_stmts`,
/// `compound_stmt` and `block`.
extension Parser {
    /// `file: [statements] ENDMARKER`
    mutating func module() throws(PythonSourceError) -> PythonModule {
        var body: [Statement] = []
        while current.kind != .endMarker {
            body += try statement()
        }
        return PythonModule(file: file, body: body)
    }

    /// `statement`: one compound statement, or the simple statements of one line.
    mutating func statement() throws(PythonSourceError) -> [Statement] {
        switch current.kind {
        case .indent:
            throw fail()
        case .dedent, .newline, .endMarker: throw fail()
        default: break
        }
        if let compound = try compoundStatement() { return [compound] }
        return try simpleStatements()
    }

    /// The end of the last statement of the last non-empty body.
    static func end(of bodies: [Statement]..., otherwise fallback: SourceLocation) -> SourceLocation {
        for body in bodies.reversed() { if let last = body.last { return last.end } }
        return fallback
    }

    /// `block`: `NEWLINE INDENT statements DEDENT`, or simple statements on the same line.
    mutating func block(after what: String, line: Int) throws(PythonSourceError) -> [Statement] {
        guard current.kind == .newline else { return try simpleStatements() }
        advance()
        guard current.kind == .indent else {
            throw fail("expected an indented block after \(what) on line \(line)")
        }
        advance()
        var body: [Statement] = []
        while current.kind != .dedent && current.kind != .endMarker {
            body += try statement()
        }
        advance()
        return body
    }

    /// `':' block` for the statement `what` that began on `line`. A missing colon is
    /// `expected ':'` where CPython's grammar forces the token (`def`, `try`, `else`, `finally`),
    /// or where the line ends instead (its `invalid_*_stmt` rules); otherwise `invalid syntax`.
    mutating func colonBlock(after what: String, line: Int) throws(PythonSourceError) -> [Statement] {
        if !accept(":") {
            let forced = ["function definition", "'try' statement", "'else' statement", "'finally' statement"].contains(what)
            throw fail(forced || current.kind == .newline ? "expected ':'" : "invalid syntax")
        }
        return try block(after: what, line: line)
    }

    // MARK: Simple statements

    /// `simple_stmts`: `simple_stmt (';' simple_stmt)* [';'] NEWLINE`.
    mutating func simpleStatements() throws(PythonSourceError) -> [Statement] {
        var statements = [try simpleStatement()]
        while accept(";") {
            if current.kind == .newline { break }
            statements.append(try simpleStatement())
        }
        guard current.kind == .newline else {
            if startsExpression, let error = tokenizerErrorAhead() { throw error }
            throw fail()
        }
        advance()
        return statements
    }

    mutating func simpleStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        func finish(_ kind: Statement.Kind, _ parser: Parser) -> Statement {
            Statement(kind, start: start, end: parser.previousEnd)
        }
        if current.kind == .name {
            switch current.text {
            case "pass":
                advance()
                return finish(.pass, self)
            case "break":
                advance()
                return finish(.break, self)
            case "continue":
                advance()
                return finish(.continue, self)
            case "return":
                advance()
                let value = startsExpression ? try starExpressions() : nil
                return finish(.return(value), self)
            case "raise":
                advance()
                var exception: Expr? = nil, cause: Expr? = nil
                if startsExpression {
                    exception = try expression()
                    if acceptName("from") { cause = try expression() }
                }
                return finish(.raise(exception: exception, cause: cause), self)
            case "global", "nonlocal":
                let isGlobal = current.text == "global"
                advance()
                var names = [try identifier()]
                while accept(",") { names.append(try identifier()) }
                return finish(isGlobal ? .global(names) : .nonlocal(names), self)
            case "del":
                advance()
                var targets = [try starExpression()]
                while accept(",") {
                    guard startsExpression else { break }
                    targets.append(try starExpression())
                }
                for target in targets { try checkTarget(target, .delete) }
                return finish(.delete(targets), self)
            case "assert":
                advance()
                let test = try expression()
                let message = accept(",") ? try expression() : nil
                return finish(.assert(test: test, message: message), self)
            case "import":
                advance()
                var names = [try importAlias(dotted: true)]
                while accept(",") { names.append(try importAlias(dotted: true)) }
                return finish(.import(names), self)
            case "from":
                return try importFrom()
            default:
                break
            }
        }
        return try expressionOrAssignment()
    }

    /// `dotted_name ['as' NAME]` or `NAME ['as' NAME]`.
    mutating func importAlias(dotted: Bool) throws(PythonSourceError) -> ImportAlias {
        let start = current.start
        var name = try identifier()
        while dotted, accept(".") { name += "." + (try identifier()) }
        let asName = acceptName("as") ? try identifier() : nil
        return ImportAlias(name: name, asName: asName, start: start)
    }

    /// `from ('.' | '...')* dotted_name import targets` or `from ('.' | '...')+ import targets`.
    mutating func importFrom() throws(PythonSourceError) -> Statement {
        let start = current.start
        advance()
        var level = 0
        while current.isOp(".") || current.isOp("...") {
            level += current.text.count
            advance()
        }
        var module: String? = nil
        if !current.isName("import") || level == 0 {
            var name = try identifier()
            while accept(".") { name += "." + (try identifier()) }
            module = name
        }
        try expectName("import")
        var names: [ImportAlias] = []
        if current.isOp("*") {
            names = [ImportAlias(name: "*", asName: nil, start: current.start)]
            advance()
        } else if accept("(") {
            names = [try importAlias(dotted: false)]
            while accept(",") {
                if current.isOp(")") { break }
                names.append(try importAlias(dotted: false))
            }
            try closeBracket(")", after: nil)
        } else {
            names = [try importAlias(dotted: false)]
            while accept(",") {
                if current.kind == .newline || current.isOp(";") {
                    throw fail("trailing comma not allowed without surrounding parentheses")
                }
                names.append(try importAlias(dotted: false))
            }
        }
        return Statement(.importFrom(module: module, names: names, level: level), start: start, end: previousEnd)
    }

    static let augmentedOperators: [String: BinaryOperator] = [
        "+=": .add, "-=": .subtract, "*=": .multiply, "@=": .matrixMultiply, "/=": .divide, "//=": .floorDivide,
        "%=": .modulo, "**=": .power, "<<=": .leftShift, ">>=": .rightShift, "|=": .bitOr, "^=": .bitXor, "&=": .bitAnd,
    ]

    /// The right-hand side of an assignment: `yield_expr | star_expressions`.
    mutating func assignedValue() throws(PythonSourceError) -> Expr {
        current.isName("yield") ? try yieldExpression() : try starExpressions()
    }

    /// Expression statements and assignments of every kind.
    mutating func expressionOrAssignment() throws(PythonSourceError) -> Statement {
        let start = current.start
        let startsWithParenthesis = current.isOp("(")
        let first = try assignedValue()
        if accept(":") {
            // CPython names a bad target only when an annotation follows.
            guard startsExpression else { throw fail() }
            switch first.kind {
            case .name, .attribute, .subscript: break
            case .tuple: throw fail("only single target (not tuple) can be annotated", at: first.start)
            case .list: throw fail("only single target (not list) can be annotated", at: first.start)
            default: throw fail("illegal target for annotation", at: first.start)
            }
            var isSimple = !startsWithParenthesis
            if case .name = first.kind {} else { isSimple = false }
            let annotation = try expression()
            let value = accept("=") ? try assignedValue() : nil
            return Statement(.annotatedAssign(target: first, annotation: annotation, value: value, isSimple: isSimple),
                             start: start, end: previousEnd)
        }
        if current.kind == .op, let op = Parser.augmentedOperators[current.text] {
            try checkAugmentedTarget(first)
            advance()
            let value = try assignedValue()
            return Statement(.augmentedAssign(target: first, operator: op, value: value), start: start, end: previousEnd)
        }
        if current.isOp("=") {
            var targets = [first]
            while accept("=") { targets.append(try assignedValue()) }
            let value = targets.removeLast()
            for (index, target) in targets.enumerated() {
                let parenthesised = index == 0 && startsWithParenthesis && target.start != start
                switch target.kind {
                case .yield where !parenthesised, .yieldFrom where !parenthesised:
                    throw fail("assignment to yield expression not possible", at: target.start)
                default:
                    let suggest = index == 0 && targets.count == 1 && Parser.suggestsEquality(target, parenthesised: parenthesised)
                    try checkTarget(target, suggest ? .assignment : .plainAssignment)
                }
            }
            return Statement(.assign(targets: targets, value: value), start: start, end: previousEnd)
        }
        if case .name(let name) = first.kind, name == "print" || name == "exec", startsExpression {
            throw fail("Missing parentheses in call to '\(name)'. Did you mean \(name)(...)?", at: first.start)
        }
        return Statement(.expression(first), start: start, end: previousEnd)
    }

    // MARK: Compound statements

    /// A compound statement, or `nil` when the next statement is a simple one.
    mutating func compoundStatement() throws(PythonSourceError) -> Statement? {
        let token = current
        if token.isOp("@") { return try decorated() }
        guard token.kind == .name else { return nil }
        switch token.text {
        case "if": return try ifStatement()
        case "while": return try whileStatement()
        case "for": return try forStatement()
        case "with": return try withStatement()
        case "try": return try tryStatement()
        case "def": return try functionDefinition(decorators: [])
        case "class": return try classDefinition(decorators: [])
        case "async":
            switch peek().text {
            case "def": return try functionDefinition(decorators: [])
            case "for": return try forStatement()
            case "with": return try withStatement()
            default: throw fail(at: peek().start)
            }
        case "match": return try matchStatement()
        default: return nil
        }
    }

    /// `if`/`elif` with its `elif` and `else` clauses.
    mutating func ifStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        let keyword = current.text
        advance()
        let test = try namedExpression()
        let body = try colonBlock(after: "'\(keyword)' statement", line: start.line)
        var orElse: [Statement] = []
        if current.isName("elif") {
            try enter()
            defer { depth -= 1 }
            orElse = [try ifStatement()]
        } else if current.isName("else") {
            let line = current.start.line
            advance()
            orElse = try colonBlock(after: "'else' statement", line: line)
        }
        return Statement(.if(test: test, body: body, orElse: orElse), start: start, end: Parser.end(of: body, orElse, otherwise: start))
    }

    /// An optional `else: block` after a loop.
    mutating func elseBlock() throws(PythonSourceError) -> [Statement] {
        guard current.isName("else") else { return [] }
        let line = current.start.line
        advance()
        return try colonBlock(after: "'else' statement", line: line)
    }

    mutating func whileStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        advance()
        let test = try namedExpression()
        let body = try colonBlock(after: "'while' statement", line: start.line)
        let orElse = try elseBlock()
        return Statement(.while(test: test, body: body, orElse: orElse), start: start, end: Parser.end(of: body, orElse, otherwise: start))
    }

    mutating func forStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        let isAsync = acceptName("async")
        advance()
        let target = try targetList(.forTarget)
        try expectName("in")
        let iterable = try starExpressions()
        let body = try colonBlock(after: "'for' statement", line: start.line)
        let orElse = try elseBlock()
        return Statement(.for(target: target, iterable: iterable, body: body, orElse: orElse, isAsync: isAsync),
                         start: start, end: Parser.end(of: body, orElse, otherwise: start))
    }

    /// `with` items, in the parenthesised form of Python 3.9+ when it fits, else the plain one.
    mutating func withStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        let isAsync = acceptName("async")
        advance()
        var items: [WithItem]
        if current.isOp("(") {
            let saved = (position, depth)
            do {
                advance()
                items = try withItems(closing: ")")
                try expect(")")
                guard current.isOp(":") else { throw fail() }
            } catch {
                (position, depth) = saved
                items = try withItems(closing: nil)
            }
        } else {
            items = try withItems(closing: nil)
        }
        let body = try colonBlock(after: "'with' statement", line: start.line)
        return Statement(.with(items: items, body: body, isAsync: isAsync), start: start, end: Parser.end(of: body, otherwise: start))
    }

    /// `with_item (',' with_item)*`; `with_item: expression ['as' star_target]`.
    mutating func withItems(closing: String?) throws(PythonSourceError) -> [WithItem] {
        var items: [WithItem] = []
        repeat {
            if let closing, current.isOp(closing), !items.isEmpty { break }
            let context = try expression()
            var target: Expr? = nil
            if acceptName("as") {
                let value = try targetItem()
                try checkTarget(value, .forTarget)
                target = value
            }
            items.append(WithItem(context: context, target: target))
        } while accept(",")
        return items
    }

    mutating func tryStatement() throws(PythonSourceError) -> Statement {
        let start = current.start
        advance()
        let body = try colonBlock(after: "'try' statement", line: start.line)
        var handlers: [ExceptHandler] = []
        var isStar: Bool? = nil
        while current.isName("except") {
            let handlerStart = current.start
            advance()
            let star = accept("*")
            if let isStar, isStar != star {
                throw fail("cannot have both 'except' and 'except*' on the same 'try'", at: handlerStart)
            }
            isStar = star
            var type: Expr? = nil, name: String? = nil
            if !current.isOp(":") {
                let value = try expression()
                if current.isOp(",") { throw fail("multiple exception types must be parenthesized", at: value.start) }
                type = value
                if acceptName("as") { name = try identifier() }
            } else if star {
                throw fail("expected one or more exception types")
            }
            let handlerBody = try colonBlock(after: star ? "'except*' statement" : "'except' statement", line: handlerStart.line)
            handlers.append(ExceptHandler(type: type, name: name, body: handlerBody, start: handlerStart))
        }
        var orElse: [Statement] = []
        if !handlers.isEmpty { orElse = try elseBlock() }
        var finally: [Statement] = []
        var hasFinally = false
        if current.isName("finally") {
            let line = current.start.line
            advance()
            finally = try colonBlock(after: "'finally' statement", line: line)
            hasFinally = true
        }
        if handlers.isEmpty && !hasFinally { throw fail("expected 'except' or 'finally' block") }
        let end = Parser.end(of: body, handlers.last?.body ?? [], orElse, finally, otherwise: start)
        return Statement(.try(body: body, handlers: handlers, orElse: orElse, finally: finally, isStar: isStar ?? false),
                         start: start, end: end)
    }

    /// `('@' named_expression NEWLINE)+` then a function or class definition.
    mutating func decorated() throws(PythonSourceError) -> Statement {
        var decorators: [Expr] = []
        while accept("@") {
            decorators.append(try namedExpression())
            guard current.kind == .newline else { throw fail() }
            advance()
        }
        if current.isName("def") || (current.isName("async") && peek().isName("def")) {
            return try functionDefinition(decorators: decorators)
        }
        if current.isName("class") { return try classDefinition(decorators: decorators) }
        throw fail()
    }

    /// `[async] def NAME(parameters) [-> expression]: block`
    mutating func functionDefinition(decorators: [Expr]) throws(PythonSourceError) -> Statement {
        let start = current.start
        let isAsync = acceptName("async")
        try expectName("def")
        let name = try identifier()
        try expect("(", "expected '('")
        let parameters = try parameterList(closing: ")", annotations: true)
        try closeBracket(")", after: nil)
        let returns = accept("->") ? try expression() : nil
        let body = try colonBlock(after: "function definition", line: start.line)
        let definition = FunctionDefinition(name: name, parameters: parameters, body: body, decorators: decorators,
                                            returns: returns, isAsync: isAsync)
        return Statement(.functionDefinition(definition), start: start, end: Parser.end(of: body, otherwise: start))
    }

    /// `class NAME[(arguments)]: block`
    mutating func classDefinition(decorators: [Expr]) throws(PythonSourceError) -> Statement {
        let start = current.start
        advance()
        let name = try identifier()
        let arguments = current.isOp("(") ? try callArguments() : []
        let body = try colonBlock(after: "class definition", line: start.line)
        let definition = ClassDefinition(name: name, arguments: arguments, body: body, decorators: decorators)
        return Statement(.classDefinition(definition), start: start, end: Parser.end(of: body, otherwise: start))
    }
}
