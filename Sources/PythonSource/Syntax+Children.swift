/// The direct sub-expressions and sub-statements of nodes, for walking a tree without knowing
/// every case.
extension Expr {
    /// The expressions directly inside this one, in source order as far as the tree keeps it
    /// (call arguments in order; parameter annotations and defaults of a lambda before its body;
    /// a comprehension's element after its clauses).
    public var children: [Expr] { Expr.children(of: kind) }

    static func children(of kind: Kind) -> [Expr] {
        switch kind {
        case .name, .none, .true, .false, .ellipsis, .int, .float, .imaginary, .string, .bytes, .fstring, .unsupportedString:
            return []
        case .tuple(let items), .list(let items), .set(let items):
            return items
        case .dict(let items):
            return items.flatMap { item in item.key.map { [$0, item.value] } ?? [item.value] }
        case .listComprehension(let element, let generators), .setComprehension(let element, let generators),
             .generator(let element, let generators):
            return generators.flatMap(\.expressions) + [element]
        case .dictComprehension(let key, let value, let generators):
            return generators.flatMap(\.expressions) + [key, value]
        case .attribute(let value, _), .starred(let value), .await(let value), .yieldFrom(let value), .unary(_, let value):
            return [value]
        case .subscript(let value, let index):
            return [value, index]
        case .slice(let lower, let upper, let step):
            return [lower, upper, step].compactMap { $0 }
        case .call(let function, let arguments):
            return [function] + arguments.map(\.value)
        case .binary(let left, _, let right):
            return [left, right]
        case .boolean(_, let values):
            return values
        case .compare(let left, let comparisons):
            return [left] + comparisons.map(\.right)
        case .conditional(let body, let test, let orElse):
            return [body, test, orElse]
        case .lambda(let parameters, let body):
            return parameters.expressions + [body]
        case .namedExpr(let name, let value):
            return [name, value]
        case .yield(let value):
            return value.map { [$0] } ?? []
        }
    }
}

extension Comprehension {
    var expressions: [Expr] { [target, iterable] + conditions }
}

extension Parameters {
    /// Annotations and default values, parameter by parameter.
    var expressions: [Expr] {
        let all = positionalOnly + regular + (variadic.map { [$0] } ?? []) + keywordOnly + (keywords.map { [$0] } ?? [])
        return all.flatMap { [$0.annotation, $0.defaultValue].compactMap { $0 } }
    }
}

extension Statement {
    /// The expressions of the statement itself, not of the statements in its bodies: targets and
    /// values, tests, iterables, `with` items, decorators, defaults, bases, `except` types.
    public var expressions: [Expr] {
        switch kind {
        case .expression(let value): return [value]
        case .assign(let targets, let value): return targets + [value]
        case .annotatedAssign(let target, let annotation, let value, _): return [target, annotation] + (value.map { [$0] } ?? [])
        case .augmentedAssign(let target, _, let value): return [target, value]
        case .import, .importFrom, .pass, .break, .continue, .global, .nonlocal: return []
        case .delete(let targets): return targets
        case .return(let value): return value.map { [$0] } ?? []
        case .assert(let test, let message): return [test] + (message.map { [$0] } ?? [])
        case .raise(let exception, let cause): return [exception, cause].compactMap { $0 }
        case .if(let test, _, _), .while(let test, _, _): return [test]
        case .for(let target, let iterable, _, _, _): return [target, iterable]
        case .with(let items, _, _): return items.flatMap { [$0.context] + ($0.target.map { [$0] } ?? []) }
        case .try(_, let handlers, _, _, _): return handlers.compactMap(\.type)
        case .functionDefinition(let f): return f.decorators + f.parameters.expressions + (f.returns.map { [$0] } ?? [])
        case .classDefinition(let c): return c.decorators + c.arguments.map(\.value)
        case .match(let subject, let cases): return [subject] + cases.compactMap(\.guardExpression)
        }
    }

    /// The statement lists inside a compound statement, in source order (`if` body then `else`;
    /// `try` body, each handler, `else`, `finally`; each `case`). Empty for simple statements.
    public var bodies: [[Statement]] {
        switch kind {
        case .if(_, let body, let orElse), .while(_, let body, let orElse), .for(_, _, let body, let orElse, _):
            return [body, orElse]
        case .with(_, let body, _): return [body]
        case .try(let body, let handlers, let orElse, let finally, _): return [body] + handlers.map(\.body) + [orElse, finally]
        case .functionDefinition(let f): return [f.body]
        case .classDefinition(let c): return [c.body]
        case .match(_, let cases): return cases.map(\.body)
        default: return []
        }
    }
}

extension Expr {
    /// Visits this expression and every expression inside it, depth first in source order, with a
    /// context value passed down the tree, and without recursion (trees may be deep). `visit`
    /// returns the context for the node's children, or `nil` to skip them.
    public func walk<Context>(_ context: Context, _ visit: (Expr, Context) -> Context?) {
        var pending: [(Expr, Context)] = [(self, context)]
        while let (expression, context) = pending.popLast() {
            guard let inner = visit(expression, context) else { continue }
            for child in expression.children.reversed() { pending.append((child, inner)) }
        }
    }

    /// Visits this expression and every expression inside it; `visit` returns whether to look inside.
    public func walk(_ visit: (Expr) -> Bool) {
        walk(()) { expression, _ in visit(expression) ? () : nil }
    }
}
