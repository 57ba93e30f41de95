/// A value read from a script, with where it came from.
///
/// `line` and `column` are those of the expression as written where the value is used (the
/// argument `max_length = max_length` on line 13). When that expression is a name, `name` is the
/// name and `bindingLine` the line of the top-level assignment that bound it, where the value
/// itself is written (`max_length = 30` on line 6).
public struct Sourced<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var line: Int
    public var column: Int
    public var name: String?
    public var bindingLine: Int?

    public init(_ value: Value, line: Int, column: Int, name: String? = nil, bindingLine: Int? = nil) {
        self.value = value
        self.line = line
        self.column = column
        self.name = name
        self.bindingLine = bindingLine
    }

    /// The line where the value is written: the binding's line if it came through a name.
    public var valueLine: Int { bindingLine ?? line }

    /// The same origin with another value.
    public func map<T: Sendable & Equatable>(_ transform: (Value) throws -> T) rethrows -> Sourced<T> {
        Sourced<T>(try transform(value), line: line, column: column, name: name, bindingLine: bindingLine)
    }
}

/// Evaluates literal expressions without executing anything, like Python's `ast.literal_eval`
/// plus names: `None`, `True`, `False`, numbers (ints must fit in 64 bits), strings (adjacent
/// literals already joined by the parser), bytes, unary `-`/`+` on numbers, grouping, and
/// lists, tuples, sets and dicts of literals (dict keys and set elements hashable).
///
/// A name resolves through ``Bindings`` as of the position where it is used: the last top-level
/// binding before that position counts, later ones do not. It is an error, naming the name and
/// the line of the binding at fault, when that binding
/// - is not a literal: a call, an f-string, an operator expression, an attribute... (`max_length
///   is computed (a call of int), not a literal; write the value itself`);
/// - is not an assignment: an import, a `def` or `class`, a `for`, `with` or `except` target,
///   an augmented assignment, `:=`, a `case` capture, `del`;
/// - is conditional: inside a top-level `if`, `for`, `while`, `with`, `try` or `match` block,
///   after the last unconditional binding (or in the same loop as the use);
/// - is followed by a change of a list, dict or set value (`x[k] = v`, `x.append(...)`), a star
///   import, or a `global` declaration in a function.
/// Every error is one ``PythonSourceError`` whose message says what to do.
public enum PythonLiteral: Sendable {
    /// How deep values may nest (brackets, and names bound to names): evaluation recurses on the
    /// caller's thread, and 50 levels stay well within a 512 KiB stack even in a debug build.
    public static let maximumDepth = 50

    /// The value of `expression`; `subject` names it in error messages (`the prompt`,
    /// `max_length`), by default `this value`.
    public static func evaluate(_ expression: Expr, bindings: Bindings, subject: String? = nil) throws(PythonSourceError) -> LiteralValue {
        try resolve(expression, bindings: bindings, subject: subject).value
    }

    /// The value of `expression` with its origin: where it is written and, for a name, the line
    /// of the binding it was read through.
    public static func resolve(_ expression: Expr, bindings: Bindings, subject: String? = nil) throws(PythonSourceError) -> Sourced<LiteralValue> {
        let evaluator = Evaluator(bindings: bindings)
        if case .name(let name) = expression.kind {
            let (value, binding) = try evaluator.name(name, at: expression.start, depth: 0)
            return Sourced(value, line: expression.line, column: expression.start.column, name: name, bindingLine: binding.line)
        }
        let value = try evaluator.value(expression, subject: subject ?? "this value", depth: 0)
        return Sourced(value, line: expression.line, column: expression.start.column)
    }

    /// How an expression that is not a literal is named in messages: `a call of int`,
    /// `an f-string`, `an expression with +`, `the attribute config.length`.
    public static func describe(_ expression: Expr) -> String {
        switch expression.kind {
        case .call(let function, _): return "a call of \(render(function))"
        case .fstring: return "an f-string"
        case .binary(_, let op, _): return "an expression with \(op.rawValue)"
        case .unary(let op, _): return "an expression with \(op.rawValue)"
        case .boolean(let op, _): return "an '\(op.rawValue)' expression"
        case .compare: return "a comparison"
        case .conditional: return "a conditional expression"
        case .attribute: return "the attribute \(render(expression))"
        case .subscript(let value, _): return "an item of \(render(value))"
        case .lambda: return "a lambda"
        case .listComprehension: return "a list comprehension"
        case .setComprehension: return "a set comprehension"
        case .dictComprehension: return "a dict comprehension"
        case .generator: return "a generator expression"
        case .await: return "an await expression"
        case .yield, .yieldFrom: return "a yield expression"
        case .namedExpr: return "an assignment expression (:=)"
        case .starred: return "a starred expression"
        case .slice: return "a slice"
        case .imaginary: return "a complex number"
        case .ellipsis: return "Ellipsis"
        case .name(let name): return "the name \(name)"
        default: return "an expression"
        }
    }

    /// `a.b`, `f(...)`, `x[...]`, `open(...).read`: a short rendering of dotted names and calls.
    static func render(_ expression: Expr) -> String {
        var suffix = ""
        var current = expression
        for _ in 0..<20 {
            switch current.kind {
            case .name(let name): return name + suffix
            case .attribute(let value, let name):
                suffix = "." + name + suffix
                current = value
            case .call(let value, _):
                suffix = "(...)" + suffix
                current = value
            case .subscript(let value, _):
                suffix = "[...]" + suffix
                current = value
            case .string(let text): return LiteralValue.repr(text) + suffix
            default: return "(...)" + suffix
            }
        }
        return "..." + suffix
    }
}

/// The evaluation of one expression against one module's bindings.
struct Evaluator {
    let bindings: Bindings

    func error(_ message: String, at location: SourceLocation) -> PythonSourceError {
        PythonSourceError(file: bindings.file, line: location.line, column: location.column, message: message)
    }

    func computed(_ expression: Expr, _ subject: String) -> PythonSourceError {
        error("\(subject) is computed (\(PythonLiteral.describe(expression))), not a literal; write the value itself", at: expression.start)
    }

    /// Dispatches on the expression; each case's work is a function of its own, so that the
    /// frames of this recursion stay small.
    func value(_ expression: Expr, subject: String, depth: Int) throws(PythonSourceError) -> LiteralValue {
        if depth > PythonLiteral.maximumDepth { throw tooDeep(expression, subject) }
        switch expression.kind {
        case .none: return .none
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .int(let text): return .int(try integer(text, negative: false, subject: subject, at: expression.start))
        case .float(let text): return .float(Evaluator.float(text))
        case .string(let text): return .string(text)
        case .bytes(let bytes): return .bytes(bytes)
        case .unary(let op, let operand): return try unary(op, operand, expression, subject: subject, depth: depth)
        case .tuple(let items): return .tuple(try elements(items, subject: subject, depth: depth))
        case .list(let items): return .list(try elements(items, subject: subject, depth: depth))
        case .set(let items): return try set(items, expression, subject: subject, depth: depth)
        case .dict(let items): return try dict(items, subject: subject, depth: depth)
        case .name(let name): return try self.name(name, at: expression.start, depth: depth).0
        default: throw unsupported(expression, subject)
        }
    }

    func tooDeep(_ expression: Expr, _ subject: String) -> PythonSourceError {
        error("\(subject) is too deeply nested (more than \(PythonLiteral.maximumDepth) levels); write a simpler value", at: expression.start)
    }

    /// The error for an expression that is not a literal.
    func unsupported(_ expression: Expr, _ subject: String) -> PythonSourceError {
        switch expression.kind {
        case .unsupportedString(let reason):
            return error("\(subject) is unsupported: \(reason)", at: expression.start)
        case .imaginary(let text):
            return error("\(subject) is a complex number (\(text)), which wf does not read; write an int or a float", at: expression.start)
        case .ellipsis:
            return error("\(subject) is Ellipsis (...), which wf does not read; write the value itself", at: expression.start)
        default:
            return computed(expression, subject)
        }
    }

    func set(_ items: [Expr], _ expression: Expr, subject: String, depth: Int) throws(PythonSourceError) -> LiteralValue {
        var seen = Set<HashKey>()
        var unique: [LiteralValue] = []
        for item in try elements(items, subject: subject, depth: depth) {
            guard let key = HashKey(item) else {
                throw error("\(subject) has a \(item.typeName) in a set, which Python rejects (unhashable)", at: expression.start)
            }
            if seen.insert(key).inserted { unique.append(item) }
        }
        return .set(unique)
    }

    func dict(_ items: [DictItem], subject: String, depth: Int) throws(PythonSourceError) -> LiteralValue {
        var positions: [HashKey: Int] = [:]
        var entries: [LiteralValue.DictEntry] = []
        for item in items {
            guard let keyExpression = item.key else {
                throw error("\(subject) is computed (a ** unpacking), not a literal; write the value itself", at: item.value.start)
            }
            let key = try value(keyExpression, subject: subject, depth: depth + 1)
            guard let hashKey = HashKey(key) else {
                throw error("\(subject) has a \(key.typeName) as a dict key, which Python rejects (unhashable)", at: keyExpression.start)
            }
            let entryValue = try value(item.value, subject: subject, depth: depth + 1)
            if let position = positions[hashKey] {
                entries[position].value = entryValue
            } else {
                positions[hashKey] = entries.count
                entries.append(LiteralValue.DictEntry(key: key, value: entryValue))
            }
        }
        return .dict(entries)
    }

    func elements(_ items: [Expr], subject: String, depth: Int) throws(PythonSourceError) -> [LiteralValue] {
        var values: [LiteralValue] = []
        for item in items {
            if case .starred = item.kind { throw computed(item, subject) }
            values.append(try value(item, subject: subject, depth: depth + 1))
        }
        return values
    }

    func unary(_ op: UnaryOperator, _ operand: Expr, _ expression: Expr, subject: String, depth: Int) throws(PythonSourceError) -> LiteralValue {
        guard op == .minus || op == .plus else { throw computed(expression, subject) }
        if op == .minus, case .int(let text) = operand.kind {
            return .int(try integer(text, negative: true, subject: subject, at: expression.start))
        }
        let inner = try value(operand, subject: subject, depth: depth + 1)
        switch inner {
        case .int(let number):
            guard op == .minus else { return inner }
            let (negated, overflow) = 0.subtractingReportingOverflow(number)
            if overflow { throw error("\(subject) is -(\(number)), which does not fit in a 64-bit integer", at: expression.start) }
            return .int(negated)
        case .bool(let flag):
            return .int(op == .minus ? (flag ? -1 : 0) : (flag ? 1 : 0))
        case .float(let number):
            return .float(op == .minus ? -number : number)
        default:
            throw error("\(subject) applies unary \(op.rawValue) to a \(inner.typeName), which Python rejects", at: expression.start)
        }
    }

    /// An integer literal as written (`1_000`, `0xFF`, `0o17`, `0b101`), negated if asked.
    func integer(_ text: String, negative: Bool, subject: String, at location: SourceLocation) throws(PythonSourceError) -> Int {
        var digits = Substring(text.filter { $0 != "_" })
        var radix = 10
        switch digits.prefix(2).lowercased() {
        case "0x": radix = 16
        case "0o": radix = 8
        case "0b": radix = 2
        default: break
        }
        if radix != 10 { digits = digits.dropFirst(2) }
        guard let value = Int((negative ? "-" : "") + digits, radix: radix) else {
            throw error("\(subject) is \(negative ? "-" : "")\(text), which does not fit in a 64-bit integer; "
                        + "write a number from -9223372036854775808 to 9223372036854775807", at: location)
        }
        return value
    }

    /// A float literal as written; out of range gives infinity, as in Python.
    static func float(_ text: String) -> Double {
        Double(text.filter { $0 != "_" }) ?? .nan
    }

    // MARK: Names

    /// The value of `name` as of `use`. The checks are in `lookup`, so that the frames of this
    /// recursion (a name bound to a name ...) stay small.
    func name(_ name: String, at use: SourceLocation, depth: Int) throws(PythonSourceError) -> (LiteralValue, Binding) {
        if depth > PythonLiteral.maximumDepth { throw tooDeep(name, at: use) }
        let (base, valueExpression, path, visible) = try lookup(name, at: use)
        var result = try value(valueExpression, subject: name, depth: depth + 1)
        if !path.isEmpty { result = try unpack(result, path, name: name, binding: base) }
        if let change = changed(result, after: base, in: visible) { throw change }
        return (result, base)
    }

    func tooDeep(_ name: String, at use: SourceLocation) -> PythonSourceError {
        error("\(name) is too deeply nested (more than \(PythonLiteral.maximumDepth) names or brackets lead to its value); "
              + "write the value itself", at: use)
    }

    /// The assignment that gives `name` its value at `use`, or the error that says why none does.
    func lookup(_ name: String, at use: SourceLocation) throws(PythonSourceError)
        -> (Binding, Expr, [Binding.UnpackStep], [Binding]) {
        let all = bindings.bindings(of: name)
        for binding in all {
            if case .declaredGlobal(let scope) = binding.kind {
                throw error("\(name) is declared global in \(scope), which can reassign it whenever it runs; "
                            + "wf reads only literals assigned at top level", at: binding.start)
            }
        }
        func sees(_ binding: Binding) -> Bool { binding.end <= use || binding.loops.contains { $0.contains(use) } }
        let visible = all.filter(sees)
        let base = visible.last { $0.block == nil && !$0.isMutation && $0.end <= use }
        func after(_ binding: Binding) -> Bool { base.map { binding.start > $0.start } ?? true }
        if let conditional = visible.last(where: { $0.block != nil && !$0.isMutation && after($0) }) {
            throw conditionalError(conditional)
        }
        if let star = bindings.starImports.last(where: { sees($0) && after($0) }), case .starImport(let module) = star.kind {
            throw error("\(name) may come from 'from \(module) import *' here; import it by name or write the value itself", at: star.start)
        }
        guard let base else {
            if let later = all.first(where: { !$0.isMutation }) {
                throw error("\(name) is used on line \(use.line) before it is assigned on line \(later.line); assign it before its use",
                            at: use)
            }
            throw error("\(name) is not defined in this file; assign it a literal at top level or write the value itself", at: use)
        }
        guard case .assignment(let valueExpression, let path) = base.kind else {
            throw error(problem(base) ?? "\(name) is not a literal; write the value itself", at: base.start)
        }
        return (base, valueExpression, path, visible)
    }

    /// The error when a list, dict or set value is changed after its assignment and before the use.
    func changed(_ result: LiteralValue, after base: Binding, in visible: [Binding]) -> PythonSourceError? {
        switch result {
        case .list, .dict, .set:
            if let change = visible.first(where: { $0.isMutation && $0.start > base.start }), case .mutated(let how) = change.kind {
                return error("\(base.name) is changed here (\(how)) after it is assigned on line \(base.line); "
                             + "write its final value in the assignment", at: change.start)
            }
            return nil
        default:
            return nil
        }
    }

    /// `a, *b, c = value`: the steps of `path`, in order.
    func unpack(_ value: LiteralValue, _ path: [Binding.UnpackStep], name: String, binding: Binding) throws(PythonSourceError) -> LiteralValue {
        var result = value
        for step in path { result = try unpack(result, step, name: name, binding: binding) }
        return result
    }

    /// Why a binding that is not an assignment gives no literal.
    func problem(_ binding: Binding) -> String? {
        let name = binding.name
        let suffix = "not a literal; write the value itself"
        switch binding.kind {
        case .assignment, .starImport, .mutated, .declaredGlobal: return nil
        case .augmented(let op): return "\(name) is changed by an augmented assignment (\(name) \(op.rawValue)= ...), \(suffix)"
        case .imported(let statement): return "\(name) is imported (\(statement)), \(suffix)"
        case .function: return "\(name) is a function defined here, \(suffix)"
        case .class: return "\(name) is a class defined here, \(suffix)"
        case .loopTarget: return "\(name) is the target of a 'for' loop, \(suffix)"
        case .withTarget: return "\(name) is bound by 'with ... as', \(suffix)"
        case .exceptTarget: return "\(name) is bound by 'except ... as', \(suffix)"
        case .namedExpression: return "\(name) is assigned by ':=' inside an expression, \(suffix)"
        case .matchCapture: return "\(name) is captured by a 'case' pattern, \(suffix)"
        case .deleted: return "\(name) is deleted here (del \(name)), so it has no value; assign it a literal after this line"
        }
    }

    func conditionalError(_ binding: Binding) -> PythonSourceError {
        if let problem = problem(binding) { return error(problem, at: binding.start) }
        let block = binding.block.map { "the '\($0.keyword)' block on line \($0.line)" } ?? "a block"
        return error("\(binding.name) is assigned inside \(block), so its value depends on how the script runs; "
                     + "assign it once at top level, outside any block", at: binding.start)
    }

    /// One step of `a, *b, c = value`.
    func unpack(_ value: LiteralValue, _ step: Binding.UnpackStep, name: String, binding: Binding) throws(PythonSourceError) -> LiteralValue {
        let items: [LiteralValue]
        switch value {
        case .tuple(let elements), .list(let elements): items = elements
        case .string(let text): items = text.unicodeScalars.map { .string(String($0)) }
        default:
            throw error("\(name) is unpacked from \(value.describedWithType), which Python cannot unpack; write the value itself",
                        at: binding.start)
        }
        if let starredAt = step.starredAt {
            guard items.count >= step.count - 1 else {
                throw error("\(name) is unpacked from \(items.count) values, too few for \(step.count - 1) names; Python raises ValueError here",
                            at: binding.start)
            }
            if step.index < starredAt { return items[step.index] }
            if step.index == starredAt { return .list(Array(items[starredAt..<(items.count - (step.count - 1 - starredAt))])) }
            return items[items.count - (step.count - step.index)]
        }
        guard items.count == step.count else {
            throw error("\(name) is unpacked from \(items.count) values into \(step.count) names; Python raises ValueError here",
                        at: binding.start)
        }
        return items[step.index]
    }
}

/// A literal as Python hashes it: equal numbers of any type are one key (`1`, `1.0`, `True`).
enum HashKey: Hashable {
    case none
    case integer(Int)
    case real(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([HashKey])

    init?(_ value: LiteralValue) {
        switch value {
        case .none: self = .none
        case .bool(let flag): self = .integer(flag ? 1 : 0)
        case .int(let number): self = .integer(number)
        case .float(let number):
            if number.rounded() == number, let exact = Int(exactly: number) { self = .integer(exact) } else { self = .real(number) }
        case .string(let text): self = .string(text)
        case .bytes(let bytes): self = .bytes(bytes)
        case .tuple(let items):
            var keys: [HashKey] = []
            for item in items {
                guard let key = HashKey(item) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        case .list, .dict, .set: return nil
        }
    }
}
