/// What the top-level names of a module are bound to, in source order, for resolving a name
/// as of the place where it is used (``PythonLiteral``).
///
/// Every way Python binds a name at module level is recorded: assignments (chained, annotated,
/// tuple and list unpacking with `*`), augmented assignments, imports (a star import is recorded
/// too), `def`, `class`, `for` targets, `with ... as`, `except ... as`, `:=`, `match` captures and
/// `del`. So are changes that rebind nothing but alter a value: `x[k] = v`, `x.attr = v`,
/// `del x[k]`, `x += ...` on an item, and calls of a list, dict or set's mutating methods
/// (`x.append(...)`, `x.update(...)`); and `global x` inside a function, which lets the function
/// rebind `x` whenever it is called.
///
/// A binding inside a top-level compound statement (`if`, `for`, `while`, `with`, `try`,
/// `match`) carries that statement as its `block`: such a name is *conditionally bound*.
/// Statements inside `def` and `class` bodies bind local names and are not recorded.
public struct Bindings: Sendable {
    public let file: String
    let byName: [String: [Binding]]
    let starImports: [Binding]

    /// Collects the bindings of `module`'s top level.
    public init(module: PythonModule) {
        var collector = Collector()
        collector.collect(module.body, block: nil, loops: [])
        self.file = module.file
        self.byName = collector.byName
        self.starImports = collector.starImports
    }

    /// No bindings: every name is undefined.
    public init(file: String) {
        self.file = file
        self.byName = [:]
        self.starImports = []
    }

    /// Every binding of `name`, in source order.
    public func bindings(of name: String) -> [Binding] { byName[name] ?? [] }

    /// Every bound name.
    public var names: [String] { byName.keys.sorted() }
}

/// One way a name is bound (or changed) at the top level of a module.
public struct Binding: Sendable, Equatable {
    /// How the name is bound.
    public enum Kind: Sendable, Equatable {
        /// `name = value`; for unpacking (`a, *b = value`) the steps into `value` that reach `name`.
        case assignment(value: Expr, path: [UnpackStep])
        /// `name op= value`
        case augmented(BinaryOperator)
        /// `import a.b as name`, `from m import x as name`: the statement's text.
        case imported(String)
        /// `from m import *` (recorded under the name `*`).
        case starImport(String)
        case function
        case `class`
        /// The target of a `for` loop (or of `async for`).
        case loopTarget
        case withTarget
        case exceptTarget
        /// `name := value` inside an expression.
        case namedExpression
        case matchCapture
        /// `del name`
        case deleted
        /// `global name` inside a function or class body: which (`function main`, `class Config`).
        case declaredGlobal(in: String)
        /// A change to the value, not a rebinding: how (`settings[...] = ...`, `settings.update(...)`).
        case mutated(String)
    }

    /// One step of unpacking: element `index` of a target list of `count` targets, the starred
    /// one at `starredAt` if any.
    public struct UnpackStep: Sendable, Equatable {
        public var index: Int
        public var count: Int
        public var starredAt: Int?
    }

    /// The compound statement at top level that contains the binding: its keyword and line.
    public struct Block: Sendable, Equatable {
        public var keyword: String
        public var line: Int
    }

    public var name: String
    public var kind: Kind
    /// The binding statement (for `for`, `with`, `except` and `case` targets, its header).
    public var start: SourceLocation
    /// Where the binding takes effect: uses at or after this point see it.
    public var end: SourceLocation
    public var block: Block?
    /// The loops (start...end) containing the binding: a use inside the same loop may see it
    /// from the previous iteration.
    public var loops: [ClosedRange<SourceLocation>]

    public var line: Int { start.line }

    /// Whether the binding changes a value rather than binding the name.
    public var isMutation: Bool {
        if case .mutated = kind { return true }
        return false
    }
}

/// Walks a module's top level and records its bindings.
private struct Collector {
    var byName: [String: [Binding]] = [:]
    var starImports: [Binding] = []

    static let mutatingMethods: Set<String> = [
        "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update", "setdefault", "popitem",
        "add", "discard", "difference_update", "intersection_update", "symmetric_difference_update",
        "__setitem__", "__delitem__", "__iadd__", "__ior__",
    ]

    mutating func add(_ name: String, _ kind: Binding.Kind, _ statement: Statement, header: Bool = false,
                      block: Binding.Block?, loops: [ClosedRange<SourceLocation>]) {
        let binding = Binding(name: name, kind: kind, start: statement.start, end: header ? statement.start : statement.end,
                              block: block, loops: loops)
        if case .starImport = kind { starImports.append(binding) } else { byName[name, default: []].append(binding) }
    }

    /// The name at the root of `a.b[c].d`.
    static func rootName(_ expression: Expr) -> String? {
        var current = expression
        while true {
            switch current.kind {
            case .name(let name): return name
            case .attribute(let value, _), .subscript(let value, _), .call(let value, _): current = value
            default: return nil
            }
        }
    }

    static func describeChange(_ target: Expr, _ suffix: String) -> String {
        let root = rootName(target) ?? "?"
        switch target.kind {
        case .subscript: return "\(root)[...]\(suffix)"
        case .attribute(_, let name): return "\(root).\(name)\(suffix)"
        default: return root + suffix
        }
    }

    /// What is left to visit, in source order: statements and the bindings of `except` and
    /// `case` clauses, which come before their bodies.
    enum Work {
        case statement(Statement, Binding.Block?, [ClosedRange<SourceLocation>])
        case bind(String, Binding.Kind, Statement, Binding.Block?, [ClosedRange<SourceLocation>])
    }

    /// Collects `statements` and everything inside them, without recursion (an `elif` chain nests).
    mutating func collect(_ statements: [Statement], block: Binding.Block?, loops: [ClosedRange<SourceLocation>]) {
        var pending: [Work] = statements.reversed().map { .statement($0, block, loops) }
        while let work = pending.popLast() {
            switch work {
            case .statement(let statement, let block, let loops):
                pending += collect(statement, block: block, loops: loops).reversed()
            case .bind(let name, let kind, let header, let block, let loops):
                add(name, kind, header, header: true, block: block, loops: loops)
            }
        }
    }

    /// Records the bindings of `statement` itself; returns what is inside it, in order.
    mutating func collect(_ statement: Statement, block: Binding.Block?, loops: [ClosedRange<SourceLocation>]) -> [Work] {
        func statements(_ body: [Statement], _ block: Binding.Block?, _ loops: [ClosedRange<SourceLocation>]) -> [Work] {
            body.map { .statement($0, block, loops) }
        }
        let inner = block ?? Binding.Block(keyword: Collector.keyword(statement), line: statement.line)
        // Walrus targets and mutating method calls anywhere in the statement's own expressions.
        if case .functionDefinition = statement.kind {} else if case .classDefinition = statement.kind {} else {
            for expression in statement.expressions {
                expression.walk { node in
                    switch node.kind {
                    case .namedExpr(let target, _):
                        if case .name(let name) = target.kind {
                            add(name, .namedExpression, statement, block: block, loops: loops)
                        }
                    case .call(let function, _):
                        if case .attribute(let receiver, let method) = function.kind, Collector.mutatingMethods.contains(method),
                           let root = Collector.rootName(receiver) {
                            add(root, .mutated("\(Collector.describeChange(receiver, "")).\(method)(...)"), statement,
                                block: block, loops: loops)
                        }
                    case .lambda:
                        return false
                    default:
                        break
                    }
                    return true
                }
            }
        }
        switch statement.kind {
        case .assign(let targets, let value):
            for target in targets { bind(target, value: value, path: [], statement, block: block, loops: loops) }
        case .annotatedAssign(let target, _, let value, _):
            if let value { bind(target, value: value, path: [], statement, block: block, loops: loops) }
        case .augmentedAssign(let target, let op, _):
            if case .name(let name) = target.kind {
                add(name, .augmented(op), statement, block: block, loops: loops)
            } else if let root = Collector.rootName(target) {
                add(root, .mutated(Collector.describeChange(target, " \(op.rawValue)= ...")), statement, block: block, loops: loops)
            }
        case .import(let aliases):
            for alias in aliases {
                let text = "import \(alias.name)" + (alias.asName.map { " as \($0)" } ?? "")
                add(alias.boundName, .imported(text), statement, block: block, loops: loops)
            }
        case .importFrom(let module, let aliases, let level):
            let source = String(repeating: ".", count: level) + (module ?? "")
            for alias in aliases {
                if alias.name == "*" {
                    add("*", .starImport(source), statement, block: block, loops: loops)
                } else {
                    let text = "from \(source) import \(alias.name)" + (alias.asName.map { " as \($0)" } ?? "")
                    add(alias.asName ?? alias.name, .imported(text), statement, block: block, loops: loops)
                }
            }
        case .delete(let targets):
            for target in targets {
                forEachTarget(target) { target in
                    if case .name(let name) = target.kind {
                        add(name, .deleted, statement, block: block, loops: loops)
                    } else if let root = Collector.rootName(target) {
                        add(root, .mutated("del " + Collector.describeChange(target, "")), statement, block: block, loops: loops)
                    }
                }
            }
        case .functionDefinition(let function):
            add(function.name, .function, statement, block: block, loops: loops)
            collectGlobals(function.body, in: "function \(function.name)")
        case .classDefinition(let definition):
            add(definition.name, .class, statement, block: block, loops: loops)
            collectGlobals(definition.body, in: "class \(definition.name)")
        case .if(let test, let body, let orElse):
            // `if __name__ == "__main__":` at top level is how scripts are written to be run;
            // wf reads a script as run, so that block binds as the top level does.
            if block == nil, orElse.isEmpty, Collector.isMainGuard(test) { return statements(body, nil, loops) }
            return statements(body, inner, loops) + statements(orElse, inner, loops)
        case .for(let target, _, let body, let orElse, _):
            let range = statement.start...statement.end
            bindNames(target, .loopTarget, statement, block: inner, loops: loops + [range])
            return statements(body, inner, loops + [range]) + statements(orElse, inner, loops)
        case .while(_, let body, let orElse):
            return statements(body, inner, loops + [statement.start...statement.end]) + statements(orElse, inner, loops)
        case .with(let items, let body, _):
            for item in items {
                if let target = item.target { bindNames(target, .withTarget, statement, block: inner, loops: loops) }
            }
            return statements(body, inner, loops)
        case .try(let body, let handlers, let orElse, let finally, _):
            var work = statements(body, inner, loops)
            for handler in handlers {
                if let name = handler.name {
                    work.append(.bind(name, .exceptTarget, Statement(.pass, start: handler.start, end: handler.start), inner, loops))
                }
                work += statements(handler.body, inner, loops)
            }
            return work + statements(orElse, inner, loops) + statements(finally, inner, loops)
        case .match(_, let cases):
            var work: [Work] = []
            for matchCase in cases {
                for name in Collector.captures(matchCase.pattern) {
                    work.append(.bind(name, .matchCapture, statement, inner, loops))
                }
                work += statements(matchCase.body, inner, loops)
            }
            return work
        case .expression, .pass, .break, .continue, .return, .global, .nonlocal, .assert, .raise:
            break
        }
        return []
    }

    /// `__name__ == "__main__"`, either way round.
    static func isMainGuard(_ test: Expr) -> Bool {
        guard case .compare(let left, let comparisons) = test.kind, comparisons.count == 1, comparisons[0].operator == .equal else { return false }
        switch (left.kind, comparisons[0].right.kind) {
        case (.name("__name__"), .string("__main__")), (.string("__main__"), .name("__name__")): return true
        default: return false
        }
    }

    static func keyword(_ statement: Statement) -> String {
        switch statement.kind {
        case .if: "if"
        case .for(_, _, _, _, let isAsync): isAsync ? "async for" : "for"
        case .while: "while"
        case .with(_, _, let isAsync): isAsync ? "async with" : "with"
        case .try: "try"
        case .match: "match"
        default: ""
        }
    }

    /// Each target of a (possibly nested) target list.
    func forEachTarget(_ target: Expr, _ body: (Expr) -> Void) {
        var pending = [target]
        while let next = pending.popLast() {
            switch next.kind {
            case .tuple(let items), .list(let items): pending.append(contentsOf: items.reversed())
            case .starred(let inner): pending.append(inner)
            default: body(next)
            }
        }
    }

    /// Binds every name in a `for`/`with` target; items and attributes change their root instead.
    mutating func bindNames(_ target: Expr, _ kind: Binding.Kind, _ statement: Statement, block: Binding.Block?,
                            loops: [ClosedRange<SourceLocation>]) {
        var names: [String] = [], changed: [(String, String)] = []
        forEachTarget(target) { target in
            if case .name(let name) = target.kind {
                names.append(name)
            } else if let root = Collector.rootName(target) {
                changed.append((root, Collector.describeChange(target, " (a loop or with target)")))
            }
        }
        for name in names { add(name, kind, statement, header: true, block: block, loops: loops) }
        for (root, how) in changed { add(root, .mutated(how), statement, header: true, block: block, loops: loops) }
    }

    /// `target = value`, unpacking tuples and lists of targets.
    mutating func bind(_ target: Expr, value: Expr, path: [Binding.UnpackStep], _ statement: Statement,
                       block: Binding.Block?, loops: [ClosedRange<SourceLocation>]) {
        switch target.kind {
        case .name(let name):
            add(name, .assignment(value: value, path: path), statement, block: block, loops: loops)
        case .tuple(let items), .list(let items):
            let starredAt = items.firstIndex { if case .starred = $0.kind { return true } else { return false } }
            for (index, item) in items.enumerated() {
                var element = item
                if case .starred(let inner) = item.kind { element = inner }
                let step = Binding.UnpackStep(index: index, count: items.count, starredAt: starredAt)
                bind(element, value: value, path: path + [step], statement, block: block, loops: loops)
            }
        case .starred(let inner):
            bind(inner, value: value, path: path, statement, block: block, loops: loops)
        default:
            if let root = Collector.rootName(target) {
                add(root, .mutated(Collector.describeChange(target, " = ...")), statement, block: block, loops: loops)
            }
        }
    }

    /// `global name` anywhere inside a function (or a class's methods).
    mutating func collectGlobals(_ statements: [Statement], in scope: String) {
        var pending: [(Statement, String)] = statements.reversed().map { ($0, scope) }
        while let (statement, scope) = pending.popLast() {
            switch statement.kind {
            case .global(let names):
                for name in names {
                    add(name, .declaredGlobal(in: scope), statement, block: nil, loops: [])
                }
            case .functionDefinition(let definition):
                pending += definition.body.reversed().map { ($0, "function \(definition.name)") }
            case .classDefinition(let definition):
                pending += definition.body.reversed().map { ($0, "class \(definition.name)") }
            default:
                pending += statement.bodies.flatMap { $0 }.reversed().map { ($0, scope) }
            }
        }
    }

    /// The names a `case` pattern captures.
    static func captures(_ pattern: Pattern) -> [String] {
        var names: [String] = []
        var pending = [pattern]
        while let next = pending.popLast() {
            switch next.kind {
            case .value, .singleton: break
            case .sequence(let items), .or(let items): pending.append(contentsOf: items)
            case .mapping(_, let patterns, let rest):
                pending.append(contentsOf: patterns)
                if let rest { names.append(rest) }
            case .class(_, let patterns, _, let keywordPatterns): pending.append(contentsOf: patterns + keywordPatterns)
            case .star(let name): if let name { names.append(name) }
            case .as(let inner, let name):
                if let inner { pending.append(inner) }
                if let name { names.append(name) }
            }
        }
        return names
    }
}
