/// The syntax tree the ``Parser`` builds: the shapes of CPython's `ast` module (`Parser/Python.asdl`)
/// for Python 3.11, with Swift names, without the load/store contexts, and with every node's
/// `start` (its first token, as CPython's `lineno`/`col_offset`, but 1-based and counted in
/// Unicode scalars) and `end` (just after its last token).

/// A parsed file: its top-level statements.
public struct PythonModule: Sendable, Equatable {
    public var file: String
    public var body: [Statement]

    public init(file: String, body: [Statement]) {
        self.file = file
        self.body = body
    }
}

/// A statement (`ast.stmt`).
public struct Statement: Sendable, Equatable {
    public var kind: Kind
    public var start: SourceLocation
    public var end: SourceLocation
    public var line: Int { start.line }

    public init(_ kind: Kind, start: SourceLocation, end: SourceLocation) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// The statement types of `ast.stmt`, with their parts.
    public indirect enum Kind: Sendable, Equatable {
        /// An expression on its own (`print('Done')`, a docstring).
        case expression(Expr)
        /// `a = b = value`: each target in order (names, attributes, subscripts, tuples, lists, starred).
        case assign(targets: [Expr], value: Expr)
        /// `target: annotation [= value]`; `isSimple` when the target is a bare, unparenthesised name.
        case annotatedAssign(target: Expr, annotation: Expr, value: Expr?, isSimple: Bool)
        /// `target op= value`.
        case augmentedAssign(target: Expr, operator: BinaryOperator, value: Expr)
        /// `import a.b as c, d`.
        case `import`([ImportAlias])
        /// `from ..module import a as b` (`level` counts the dots; `module` is `nil` for `from . import x`;
        /// a star import has one alias named `*`).
        case importFrom(module: String?, names: [ImportAlias], level: Int)
        case delete([Expr])
        case pass
        case `break`
        case `continue`
        case `return`(Expr?)
        case global([String])
        case nonlocal([String])
        case assert(test: Expr, message: Expr?)
        case raise(exception: Expr?, cause: Expr?)
        /// `if`; an `elif` is an `if` alone in `orElse`, as in CPython's tree.
        case `if`(test: Expr, body: [Statement], orElse: [Statement])
        case `for`(target: Expr, iterable: Expr, body: [Statement], orElse: [Statement], isAsync: Bool)
        case `while`(test: Expr, body: [Statement], orElse: [Statement])
        case with(items: [WithItem], body: [Statement], isAsync: Bool)
        /// `try`; `isStar` for `except*` handlers.
        case `try`(body: [Statement], handlers: [ExceptHandler], orElse: [Statement], finally: [Statement], isStar: Bool)
        case functionDefinition(FunctionDefinition)
        case classDefinition(ClassDefinition)
        case match(subject: Expr, cases: [MatchCase])
    }
}

/// An expression (`ast.expr`).
public struct Expr: Sendable, Equatable {
    public var kind: Kind {
        didSet { height = Expr.height(of: kind) }
    }
    public var start: SourceLocation
    public var end: SourceLocation
    /// 1 for a leaf, else 1 + the greatest height of its ``children``; the parser keeps it within
    /// ``Parser/maximumNestingDepth`` so that walking a tree recursively stays shallow.
    public private(set) var height: Int
    public var line: Int { start.line }

    public init(_ kind: Kind, start: SourceLocation, end: SourceLocation) {
        self.kind = kind
        self.start = start
        self.end = end
        self.height = Expr.height(of: kind)
    }

    private static func height(of kind: Kind) -> Int {
        1 + Expr.children(of: kind).reduce(0) { max($0, $1.height) }
    }

    /// The expression types of `ast.expr`, with their parts.
    public indirect enum Kind: Sendable, Equatable {
        /// An identifier, NFKC-normalised as CPython does.
        case name(String)
        case none
        case `true`
        case `false`
        case ellipsis
        /// An integer literal as written (`1_000`, `0xFF`); ``PythonLiteral`` converts it.
        case int(String)
        /// A float literal as written (`1e-3`, `.5`).
        case float(String)
        /// An imaginary literal as written (`2j`).
        case imaginary(String)
        /// A `str` literal, adjacent literals concatenated, escapes decoded.
        case string(String)
        case bytes([UInt8])
        /// A string that contains an f-string part: the source text of each adjacent literal.
        case fstring([String])
        /// A valid `str` literal a Swift `String` cannot hold (lone surrogates): the reason.
        case unsupportedString(String)
        case tuple([Expr])
        case list([Expr])
        case set([Expr])
        case dict([DictItem])
        case listComprehension(element: Expr, generators: [Comprehension])
        case setComprehension(element: Expr, generators: [Comprehension])
        case dictComprehension(key: Expr, value: Expr, generators: [Comprehension])
        case generator(element: Expr, generators: [Comprehension])
        case attribute(Expr, name: String)
        /// `value[index]`: the index is an expression, a `slice`, or a tuple of them.
        case `subscript`(Expr, index: Expr)
        case slice(lower: Expr?, upper: Expr?, step: Expr?)
        case call(Expr, arguments: [Argument])
        case unary(UnaryOperator, Expr)
        case binary(Expr, BinaryOperator, Expr)
        /// `a and b and c` or `a or b`: two or more operands.
        case boolean(BooleanOperator, [Expr])
        /// `a < b <= c`: the left operand and each operator with its right operand.
        case compare(Expr, [Comparison])
        /// `body if test else orElse`.
        case conditional(body: Expr, test: Expr, orElse: Expr)
        case lambda(Parameters, body: Expr)
        /// `name := value`.
        case namedExpr(name: Expr, value: Expr)
        /// `*value` in a display, call, target or subscript.
        case starred(Expr)
        case await(Expr)
        case yield(Expr?)
        case yieldFrom(Expr)
    }
}

/// One argument of a call or class definition, in source order.
public struct Argument: Sendable, Equatable {
    /// How the argument is passed.
    public enum Kind: Sendable, Equatable {
        case positional
        case keyword(String)
        /// `*iterable`
        case starred
        /// `**mapping`
        case doubleStarred
    }

    public var kind: Kind
    public var value: Expr
    public var start: SourceLocation

    public init(_ kind: Kind, value: Expr, start: SourceLocation) {
        self.kind = kind
        self.value = value
        self.start = start
    }

    /// The keyword's name, for `name=value` arguments.
    public var keyword: String? {
        if case .keyword(let name) = kind { return name }
        return nil
    }
}

/// A dictionary display entry: `key: value`, or `**value` when `key` is `nil`.
public struct DictItem: Sendable, Equatable {
    public var key: Expr?
    public var value: Expr

    public init(key: Expr?, value: Expr) {
        self.key = key
        self.value = value
    }
}

/// `[async] for target in iterable if condition...` in a comprehension.
public struct Comprehension: Sendable, Equatable {
    public var target: Expr
    public var iterable: Expr
    public var conditions: [Expr]
    public var isAsync: Bool

    public init(target: Expr, iterable: Expr, conditions: [Expr], isAsync: Bool) {
        self.target = target
        self.iterable = iterable
        self.conditions = conditions
        self.isAsync = isAsync
    }
}

/// One operator and right operand of a comparison chain.
public struct Comparison: Sendable, Equatable {
    public var `operator`: CompareOperator
    public var right: Expr

    public init(_ op: CompareOperator, _ right: Expr) {
        self.operator = op
        self.right = right
    }
}

/// Binary operators (`ast.operator`), as written.
public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", matrixMultiply = "@", divide = "/", floorDivide = "//"
    case modulo = "%", power = "**", leftShift = "<<", rightShift = ">>", bitOr = "|", bitXor = "^", bitAnd = "&"
}

/// Unary operators (`ast.unaryop`), as written.
public enum UnaryOperator: String, Sendable, Equatable {
    case plus = "+", minus = "-", invert = "~", not = "not"
}

/// `and` and `or` (`ast.boolop`).
public enum BooleanOperator: String, Sendable, Equatable {
    case and, or
}

/// Comparison operators (`ast.cmpop`), as written.
public enum CompareOperator: String, Sendable, Equatable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `is` = "is", isNot = "is not", `in` = "in", notIn = "not in"
}

/// The parameters of a `def` or `lambda`: `def f(a, /, b=1, *args, c, d=2, **kw)`.
public struct Parameters: Sendable, Equatable {
    public var positionalOnly: [Parameter] = []
    public var regular: [Parameter] = []
    /// `*args` (`nil` for a bare `*` or none).
    public var variadic: Parameter?
    public var keywordOnly: [Parameter] = []
    /// `**kwargs`
    public var keywords: Parameter?

    public init() {}

    /// Every parameter name, in order.
    public var names: [String] {
        (positionalOnly + regular + (variadic.map { [$0] } ?? []) + keywordOnly + (keywords.map { [$0] } ?? [])).map(\.name)
    }
}

/// One parameter: its name, annotation and default value (`ast.arg` with its default).
public struct Parameter: Sendable, Equatable {
    public var name: String
    public var annotation: Expr?
    public var defaultValue: Expr?
    public var start: SourceLocation

    public init(name: String, annotation: Expr?, defaultValue: Expr?, start: SourceLocation) {
        self.name = name
        self.annotation = annotation
        self.defaultValue = defaultValue
        self.start = start
    }
}

/// `[async] def name(parameters) -> returns: body` with its decorators.
public struct FunctionDefinition: Sendable, Equatable {
    public var name: String
    public var parameters: Parameters
    public var body: [Statement]
    public var decorators: [Expr]
    public var returns: Expr?
    public var isAsync: Bool

    public init(name: String, parameters: Parameters, body: [Statement], decorators: [Expr], returns: Expr?, isAsync: Bool) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.decorators = decorators
        self.returns = returns
        self.isAsync = isAsync
    }
}

/// `class name(arguments): body` with its decorators.
public struct ClassDefinition: Sendable, Equatable {
    public var name: String
    /// Bases and keywords (`metaclass=...`) in source order.
    public var arguments: [Argument]
    public var body: [Statement]
    public var decorators: [Expr]

    public init(name: String, arguments: [Argument], body: [Statement], decorators: [Expr]) {
        self.name = name
        self.arguments = arguments
        self.body = body
        self.decorators = decorators
    }
}

/// `import name as asName` / `from m import name as asName`; `name` is dotted for `import`.
public struct ImportAlias: Sendable, Equatable {
    public var name: String
    public var asName: String?
    public var start: SourceLocation

    public init(name: String, asName: String?, start: SourceLocation) {
        self.name = name
        self.asName = asName
        self.start = start
    }

    /// The name the import binds: `asName`, else the first component of `name`.
    public var boundName: String { asName ?? String(name.split(separator: ".").first ?? Substring(name)) }
}

/// `context [as target]` in a `with` statement.
public struct WithItem: Sendable, Equatable {
    public var context: Expr
    public var target: Expr?

    public init(context: Expr, target: Expr?) {
        self.context = context
        self.target = target
    }
}

/// `except [type [as name]]: body`.
public struct ExceptHandler: Sendable, Equatable {
    public var type: Expr?
    public var name: String?
    public var body: [Statement]
    public var start: SourceLocation

    public init(type: Expr?, name: String?, body: [Statement], start: SourceLocation) {
        self.type = type
        self.name = name
        self.body = body
        self.start = start
    }
}

/// `case pattern if guard: body`.
public struct MatchCase: Sendable, Equatable {
    public var pattern: Pattern
    public var guardExpression: Expr?
    public var body: [Statement]

    public init(pattern: Pattern, guardExpression: Expr?, body: [Statement]) {
        self.pattern = pattern
        self.guardExpression = guardExpression
        self.body = body
    }
}

/// A `match` pattern (`ast.pattern`).
public struct Pattern: Sendable, Equatable {
    public var kind: Kind
    public var start: SourceLocation

    public init(_ kind: Kind, start: SourceLocation) {
        self.kind = kind
        self.start = start
    }

    /// The pattern types of `ast.pattern`.
    public indirect enum Kind: Sendable, Equatable {
        /// A literal or a dotted name compared by `==` (`1`, `-2j`, `'s'`, `Color.RED`).
        case value(Expr)
        /// `None`, `True`, `False`, compared by `is`.
        case singleton(Expr)
        case sequence([Pattern])
        /// `{key: pattern, **rest}`
        case mapping(keys: [Expr], patterns: [Pattern], rest: String?)
        /// `Class(p, q, name=r)`
        case `class`(Expr, patterns: [Pattern], keywords: [String], keywordPatterns: [Pattern])
        /// `*name` (`nil` for `*_`) in a sequence.
        case star(String?)
        /// `pattern as name`, a capture `name` (no pattern), or the wildcard `_` (neither).
        case `as`(Pattern?, name: String?)
        case or([Pattern])
    }
}
