import PythonSource

/// Renders a tree in the compact form `scripts/make_python_fixtures.py` gives CPython's `ast`:
/// node types in `ast` field order, names and constant types in labels, `@line:column` on
/// statements and expressions, `_` for absent optional children.
enum ASTShape {
    static func statement(_ s: Statement) -> String {
        let at = position(s.start)
        switch s.kind {
        case .expression(let e): return "Expr\(at)(\(expr(e)))"
        case .assign(let targets, let value): return "Assign\(at)(\(list(targets.map(expr))),\(expr(value)))"
        case .annotatedAssign(let target, let annotation, let value, let simple):
            return "AnnAssign:\(simple ? 1 : 0)\(at)(\(expr(target)),\(expr(annotation)),\(optional(value)))"
        case .augmentedAssign(let target, let op, let value):
            return "AugAssign\(at)(\(expr(target)),\(binary(op)),\(expr(value)))"
        case .import(let names): return "Import\(at)(\(list(names.map(alias))))"
        case .importFrom(let module, let names, let level):
            return "ImportFrom:\(module ?? "_"):\(level)\(at)(\(list(names.map(alias))))"
        case .delete(let targets): return "Delete\(at)(\(list(targets.map(expr))))"
        case .pass: return "Pass\(at)"
        case .break: return "Break\(at)"
        case .continue: return "Continue\(at)"
        case .return(let value): return "Return\(at)(\(optional(value)))"
        case .global(let names): return "Global:\(names.joined(separator: ","))\(at)"
        case .nonlocal(let names): return "Nonlocal:\(names.joined(separator: ","))\(at)"
        case .assert(let test, let message): return "Assert\(at)(\(expr(test)),\(optional(message)))"
        case .raise(let exception, let cause): return "Raise\(at)(\(optional(exception)),\(optional(cause)))"
        case .if(let test, let body, let orElse): return "If\(at)(\(expr(test)),\(block(body)),\(block(orElse)))"
        case .for(let target, let iterable, let body, let orElse, let isAsync):
            return "\(isAsync ? "AsyncFor" : "For")\(at)(\(expr(target)),\(expr(iterable)),\(block(body)),\(block(orElse)))"
        case .while(let test, let body, let orElse): return "While\(at)(\(expr(test)),\(block(body)),\(block(orElse)))"
        case .with(let items, let body, let isAsync):
            let rendered = items.map { "withitem(\(expr($0.context)),\(optional($0.target)))" }
            return "\(isAsync ? "AsyncWith" : "With")\(at)(\(list(rendered)),\(block(body)))"
        case .try(let body, let handlers, let orElse, let finally, let isStar):
            let rendered = handlers.map { "ExceptHandler:\($0.name ?? "_")(\(optional($0.type)),\(block($0.body)))" }
            return "\(isStar ? "TryStar" : "Try")\(at)(\(block(body)),\(list(rendered)),\(block(orElse)),\(block(finally)))"
        case .functionDefinition(let f):
            return "\(f.isAsync ? "AsyncFunctionDef" : "FunctionDef"):\(f.name)\(at)(\(arguments(f.parameters)),\(block(f.body)),"
                + "\(list(f.decorators.map(expr))),\(optional(f.returns)))"
        case .classDefinition(let c):
            let (bases, keywords) = split(c.arguments)
            return "ClassDef:\(c.name)\(at)(\(list(bases)),\(list(keywords)),\(block(c.body)),\(list(c.decorators.map(expr))))"
        case .match(let subject, let cases):
            let rendered = cases.map { "match_case(\(pattern($0.pattern)),\(optional($0.guardExpression)),\(block($0.body)))" }
            return "Match\(at)(\(expr(subject)),\(list(rendered)))"
        }
    }

    static func position(_ location: SourceLocation) -> String { "@\(location.line):\(location.column)" }
    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
    static func block(_ body: [Statement]) -> String { list(body.map(statement)) }
    static func optional(_ e: Expr?) -> String { e.map(expr) ?? "_" }
    static func alias(_ a: ImportAlias) -> String { "alias:\(a.name):\(a.asName ?? "_")" }

    static func split(_ arguments: [Argument]) -> ([String], [String]) {
        var positional: [String] = [], keywords: [String] = []
        for argument in arguments {
            switch argument.kind {
            case .positional, .starred:
                positional.append(argument.kind == .starred ? "Starred\(position(argument.start))(\(expr(argument.value)))" : expr(argument.value))
            case .keyword(let name): keywords.append("keyword:\(name)(\(expr(argument.value)))")
            case .doubleStarred: keywords.append("keyword:_(\(expr(argument.value)))")
            }
        }
        return (positional, keywords)
    }

    static func parameter(_ p: Parameter) -> String { "arg:\(p.name)(\(optional(p.annotation)))" }

    static func arguments(_ p: Parameters) -> String {
        let positional = p.positionalOnly + p.regular
        let defaults = positional.compactMap(\.defaultValue).map(expr)
        let keywordDefaults = p.keywordOnly.map { optional($0.defaultValue) }
        return "arguments(\(list(p.positionalOnly.map(parameter))),\(list(p.regular.map(parameter))),"
            + "\(p.variadic.map(parameter) ?? "_"),\(list(p.keywordOnly.map(parameter))),\(list(keywordDefaults)),"
            + "\(p.keywords.map(parameter) ?? "_"),\(list(defaults)))"
    }

    static func binary(_ op: BinaryOperator) -> String {
        switch op {
        case .add: "Add"
        case .subtract: "Sub"
        case .multiply: "Mult"
        case .matrixMultiply: "MatMult"
        case .divide: "Div"
        case .floorDivide: "FloorDiv"
        case .modulo: "Mod"
        case .power: "Pow"
        case .leftShift: "LShift"
        case .rightShift: "RShift"
        case .bitOr: "BitOr"
        case .bitXor: "BitXor"
        case .bitAnd: "BitAnd"
        }
    }

    static func compare(_ op: CompareOperator) -> String {
        switch op {
        case .equal: "Eq"
        case .notEqual: "NotEq"
        case .less: "Lt"
        case .lessOrEqual: "LtE"
        case .greater: "Gt"
        case .greaterOrEqual: "GtE"
        case .is: "Is"
        case .isNot: "IsNot"
        case .in: "In"
        case .notIn: "NotIn"
        }
    }

    static func comprehensions(_ generators: [Comprehension]) -> String {
        list(generators.map {
            "comprehension:\($0.isAsync ? 1 : 0)(\(expr($0.target)),\(expr($0.iterable)),\(list($0.conditions.map(expr))))"
        })
    }

    static func expr(_ e: Expr) -> String {
        let at = position(e.start)
        switch e.kind {
        case .name(let name): return "Name:\(name)\(at)"
        case .none: return "Constant:None\(at)"
        case .true, .false: return "Constant:bool\(at)"
        case .ellipsis: return "Constant:Ellipsis\(at)"
        case .int: return "Constant:int\(at)"
        case .float: return "Constant:float\(at)"
        case .imaginary: return "Constant:complex\(at)"
        case .string, .unsupportedString: return "Constant:str\(at)"
        case .bytes: return "Constant:bytes\(at)"
        case .fstring: return "JoinedStr\(at)"
        case .tuple(let items): return "Tuple\(at)(\(list(items.map(expr))))"
        case .list(let items): return "List\(at)(\(list(items.map(expr))))"
        case .set(let items): return "Set\(at)(\(list(items.map(expr))))"
        case .dict(let items):
            return "Dict\(at)(\(list(items.map { optional($0.key) })),\(list(items.map { expr($0.value) })))"
        case .listComprehension(let element, let generators): return "ListComp\(at)(\(expr(element)),\(comprehensions(generators)))"
        case .setComprehension(let element, let generators): return "SetComp\(at)(\(expr(element)),\(comprehensions(generators)))"
        case .dictComprehension(let key, let value, let generators):
            return "DictComp\(at)(\(expr(key)),\(expr(value)),\(comprehensions(generators)))"
        case .generator(let element, let generators): return "GeneratorExp\(at)(\(expr(element)),\(comprehensions(generators)))"
        case .attribute(let value, let name): return "Attribute:\(name)\(at)(\(expr(value)))"
        case .subscript(let value, let index): return "Subscript\(at)(\(expr(value)),\(expr(index)))"
        case .slice(let lower, let upper, let step): return "Slice\(at)(\(optional(lower)),\(optional(upper)),\(optional(step)))"
        case .call(let function, let arguments):
            let (positional, keywords) = split(arguments)
            return "Call\(at)(\(expr(function)),\(list(positional)),\(list(keywords)))"
        case .unary(let op, let operand):
            let name = switch op { case .plus: "UAdd"; case .minus: "USub"; case .invert: "Invert"; case .not: "Not" }
            return "UnaryOp\(at)(\(name),\(expr(operand)))"
        case .binary(let left, let op, let right): return "BinOp\(at)(\(expr(left)),\(binary(op)),\(expr(right)))"
        case .boolean(let op, let values): return "BoolOp\(at)(\(op == .and ? "And" : "Or"),\(list(values.map(expr))))"
        case .compare(let left, let comparisons):
            return "Compare\(at)(\(expr(left)),\(list(comparisons.map { compare($0.operator) }))," 
                + "\(list(comparisons.map { expr($0.right) })))"
        case .conditional(let body, let test, let orElse): return "IfExp\(at)(\(expr(test)),\(expr(body)),\(expr(orElse)))"
        case .lambda(let parameters, let body): return "Lambda\(at)(\(arguments(parameters)),\(expr(body)))"
        case .namedExpr(let name, let value): return "NamedExpr\(at)(\(expr(name)),\(expr(value)))"
        case .starred(let value): return "Starred\(at)(\(expr(value)))"
        case .await(let value): return "Await\(at)(\(expr(value)))"
        case .yield(let value): return "Yield\(at)(\(optional(value)))"
        case .yieldFrom(let value): return "YieldFrom\(at)(\(expr(value)))"
        }
    }

    static func pattern(_ p: Pattern) -> String {
        switch p.kind {
        case .value(let e): return "MatchValue(\(expr(e)))"
        case .singleton(let e):
            let value = switch e.kind { case .true: "True"; case .false: "False"; default: "None" }
            return "MatchSingleton:\(value)"
        case .sequence(let items): return "MatchSequence(\(list(items.map(pattern))))"
        case .mapping(let keys, let patterns, let rest):
            return "MatchMapping:\(rest ?? "_")(\(list(keys.map(expr))),\(list(patterns.map(pattern))))"
        case .class(let cls, let patterns, let keywords, let keywordPatterns):
            return "MatchClass:\(keywords.joined(separator: ","))(\(expr(cls)),\(list(patterns.map(pattern))),\(list(keywordPatterns.map(pattern))))"
        case .star(let name): return "MatchStar:\(name ?? "_")"
        case .as(let inner, let name): return "MatchAs:\(name ?? "_")(\(inner.map(pattern) ?? "_"))"
        case .or(let alternatives): return "MatchOr(\(list(alternatives.map(pattern))))"
        }
    }
}
