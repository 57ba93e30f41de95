/// Assignment, deletion and loop targets (`star_targets`, `del_targets`, `single_target` in
/// `Grammar/python.gram`), checked with CPython's messages (`cannot assign to function call`,
/// `cannot delete literal`, `'tuple' is an illegal expression for augmented assignment`).
extension Parser {
    enum TargetContext {
        /// `a = ...`: CPython adds "here. Maybe you meant '==' instead of '='?".
        case assignment
        /// `a = b = ...`, targets inside tuples: no suggestion.
        case plainAssignment
        /// `for` and comprehension targets, `with ... as` targets.
        case forTarget
        case delete
    }

    /// A comma-separated list of targets at the `bitwise_or` level (so `in` ends it), checked.
    mutating func targetList(_ context: TargetContext) throws(PythonSourceError) -> Expr {
        let start = current.start
        let first = try targetItem()
        guard current.isOp(",") else {
            try checkTarget(first, context)
            return first
        }
        var items = [first]
        while accept(",") {
            guard startsExpression else { break }
            items.append(try targetItem())
        }
        let tuple = try node(.tuple(items), from: start)
        try checkTarget(tuple, context)
        return tuple
    }

    mutating func targetItem() throws(PythonSourceError) -> Expr {
        guard current.isOp("*") else { return try bitwiseOr() }
        let start = current.start
        advance()
        let value = try bitwiseOr()
        return try node(.starred(value), from: start)
    }

    /// Throws unless `target` can be assigned to (or deleted).
    func checkTarget(_ target: Expr, _ context: TargetContext) throws(PythonSourceError) {
        switch target.kind {
        case .name, .attribute, .subscript:
            return
        case .tuple(let items), .list(let items):
            for item in items { try checkTarget(item, context == .assignment ? .plainAssignment : context) }
            return
        case .starred(let value) where context != .delete:
            try checkTarget(value, context)
            return
        default:
            break
        }
        let what = Parser.describe(target)
        switch context {
        case .assignment: throw fail("cannot assign to \(what) here. Maybe you meant '==' instead of '='?", at: target.start)
        case .forTarget, .plainAssignment: throw fail("cannot assign to \(what)", at: target.start)
        case .delete: throw fail("cannot delete \(what)", at: target.start)
        }
    }

    /// Whether CPython's `invalid_named_expression` rule would suggest `==` for this first target of
    /// a single `=`: a `bitwise_or`-level expression (or anything parenthesised) other than a list,
    /// a tuple, a generator expression, `True`, `False` or `None`.
    static func suggestsEquality(_ target: Expr, parenthesised: Bool) -> Bool {
        switch target.kind {
        case .list, .tuple, .generator, .true, .false, .none: return false
        case .compare, .boolean, .conditional, .lambda, .namedExpr, .yield, .yieldFrom, .starred: return parenthesised
        case .unary(let op, _) where op == .not: return parenthesised
        default: return true
        }
    }

    /// Throws unless `target` can take an augmented assignment (a name, attribute or subscript).
    func checkAugmentedTarget(_ target: Expr) throws(PythonSourceError) {
        switch target.kind {
        case .name, .attribute, .subscript: return
        default:
            throw fail("'\(Parser.describe(target))' is an illegal expression for augmented assignment", at: target.start)
        }
    }

    /// CPython's name for an expression in error messages (`_PyPegen_get_expr_name`).
    static func describe(_ expression: Expr) -> String {
        switch expression.kind {
        case .name: return "name"
        case .attribute: return "attribute"
        case .subscript: return "subscript"
        case .starred: return "starred"
        case .tuple: return "tuple"
        case .list: return "list"
        case .lambda: return "lambda"
        case .call: return "function call"
        case .boolean, .binary, .unary: return "expression"
        case .generator: return "generator expression"
        case .yield, .yieldFrom: return "yield expression"
        case .await: return "await expression"
        case .listComprehension: return "list comprehension"
        case .setComprehension: return "set comprehension"
        case .dictComprehension: return "dict comprehension"
        case .dict: return "dict literal"
        case .set: return "set display"
        case .fstring: return "f-string expression"
        case .none: return "None"
        case .true: return "True"
        case .false: return "False"
        case .ellipsis: return "ellipsis"
        case .int, .float, .imaginary, .string, .bytes, .unsupportedString: return "literal"
        case .compare: return "comparison"
        case .conditional: return "conditional expression"
        case .namedExpr: return "named expression"
        case .slice: return "slice"
        }
    }
}
