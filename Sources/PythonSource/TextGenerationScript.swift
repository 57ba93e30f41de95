/// The settings of a script that runs a `transformers` text-generation pipeline, read without
/// running it, such as the Gradient tutorial's `nlp_text_generation.py`:
///
/// ```python
/// from transformers import pipeline, set_seed
/// max_length = 30
/// generator = pipeline('text-generation', model='gpt2')
/// set_seed(42)
/// output = generator("Hello, I'm a language model,", max_length = max_length, num_return_sequences = 5)
/// ```
///
/// What it looks for:
/// - one call of `transformers.pipeline`, as `pipeline(...)` (imported from `transformers` or a
///   submodule, under any alias, or not imported at all), or `transformers.pipeline(...)` (any
///   alias of the module); its task is the first positional argument or `task=`, its model the
///   second positional argument or `model=`;
/// - the variable it is assigned to (`generator = pipeline(...)`, also annotated, chained or
///   `:=`), and the one call of that variable, or a direct call `pipeline(...)(prompt)`: the
///   prompt is its first positional argument or `text_inputs=`, its keyword arguments are the
///   generation settings;
/// - at most one call of `set_seed` (imported like `pipeline`, or `transformers.set_seed`),
///   before the generation; the seed is its first argument or `seed=`.
///
/// Calls are accepted at top level and inside top-level compound statements at any depth (`if`,
/// `for`, `while`, `with`, `try`, `match`), not inside `def` or `class` bodies, lambdas or
/// comprehensions. Every value is resolved with ``PythonLiteral`` as of the line of the call, so a
/// setting may be a literal or a name assigned a literal earlier at top level. Which keywords are
/// allowed is the caller's concern.
///
/// Errors are ``PythonSourceError``s, `FILE:LINE:COLUMN: message` saying what to do: syntax
/// errors; no pipeline call; a task other than `'text-generation'`; more than one pipeline call
/// or call of the pipeline (with their lines); a pipeline never called or not assigned; a prompt
/// or setting that is not a literal (naming what it is: an f-string, a call of `open(...).read`,
/// a name bound to a call of `input`); `*args` or `**kwargs`; a seed that is not an int.
public struct TextGenerationScript: Sendable, Equatable {
    public var file: String
    /// The line of the `pipeline(...)` call.
    public var pipelineLine: Int
    /// The variable the pipeline is assigned to; `nil` when it is called directly.
    public var generatorName: String?
    /// The line of the call that generates text.
    public var generatorLine: Int
    public var task: Sourced<String>
    public var model: Sourced<String>?
    public var seed: Sourced<Int>?
    public var prompt: Sourced<String>
    /// The generation call's keyword arguments (other than `text_inputs`), by keyword.
    public var arguments: [String: Sourced<LiteralValue>]
    /// Keyword arguments of `pipeline(...)` other than `task` and `model` (`device`,
    /// `torch_dtype`, ...), with their lines: wf does not read them.
    public var otherPipelineArguments: [String: Int]

    /// Reads the script in `source`; `file` names it in errors. Runs without executing anything.
    public static func read(source: String, file: String) throws(PythonSourceError) -> TextGenerationScript {
        try DeepStack.run { ScriptReader.read(source, file: file) }.get()
    }

    /// Where a script builds a text-generation pipeline, for recognising one (`wf validate`).
    public struct Detection: Sendable, Equatable {
        /// The line of the `pipeline('text-generation', ...)` call.
        public var line: Int
        /// The model, when it is a literal (or a name bound to one).
        public var model: String?

        public init(line: Int, model: String?) {
            self.line = line
            self.model = model
        }
    }

    /// Whether `source` parses and calls `pipeline('text-generation', ...)` anywhere (also inside
    /// functions; the task as a literal or a name bound to one; `pipeline` under any name imported
    /// from `transformers`, or `X.pipeline`). Lenient, and never throws: `nil` when not.
    public static func detect(source: String) -> Detection? {
        DeepStack.run { ScriptReader.detect(source) }
    }
}

/// A call found in a module, with where it is.
struct FoundCall {
    var call: Expr
    var function: Expr
    var arguments: [Argument]
    var statement: Statement
    /// `function main` or `class C` when inside a definition's body.
    var definition: String?
    /// `a lambda`, `a list comprehension`... when inside one.
    var enclosing: String?

    var line: Int { call.line }
    var isAccepted: Bool { definition == nil && enclosing == nil }

    /// Where it is, for messages: `inside function main`, `inside a lambda`.
    var place: String { "inside " + (enclosing ?? definition ?? "the module") }
}

/// The names under which a module refers to `transformers`, `pipeline` and `set_seed`.
struct TransformersNames {
    var modules: Set<String> = []
    var functions: [String: Set<String>] = ["pipeline": [], "set_seed": []]
    let bindings: Bindings

    init(module: PythonModule, bindings: Bindings) {
        self.bindings = bindings
        var pending = module.body
        while let statement = pending.popLast() {
            switch statement.kind {
            case .import(let aliases):
                for alias in aliases where alias.name == "transformers" || alias.name.hasPrefix("transformers.") {
                    if alias.name == "transformers" || alias.asName == nil { modules.insert(alias.boundName) }
                }
            case .importFrom(let source?, let aliases, 0) where source == "transformers" || source.hasPrefix("transformers."):
                for alias in aliases {
                    if alias.name == "*" {
                        functions["pipeline"]?.insert("pipeline")
                        functions["set_seed"]?.insert("set_seed")
                    } else if functions[alias.name] != nil {
                        functions[alias.name]?.insert(alias.asName ?? alias.name)
                    }
                }
            case .functionDefinition, .classDefinition:
                break
            default:
                for body in statement.bodies { pending += body }
            }
        }
    }

    /// Whether `callee` is `function` (`pipeline` or `set_seed`) of `transformers`: a name imported
    /// from it, the bare name when the module binds it nowhere, or `module.function`.
    func refersTo(_ function: String, _ callee: Expr) -> Bool {
        switch callee.kind {
        case .name(let name):
            return functions[function]?.contains(name) == true || (name == function && bindings.bindings(of: name).isEmpty)
        case .attribute(let value, let attribute) where attribute == function:
            guard case .name(let module) = value.kind else { return false }
            return modules.contains(module) || (module == "transformers" && bindings.bindings(of: module).isEmpty)
        default:
            return false
        }
    }
}

enum ScriptReader {
    /// Every call in the module, in source order, with where it is.
    static func calls(in module: PythonModule) -> [FoundCall] {
        var found: [FoundCall] = []
        func visit(_ statements: [Statement], definition: String?) {
            for statement in statements {
                for expression in statement.expressions {
                    expression.walk(nil as String?) { node, enclosing in
                        switch node.kind {
                        case .call(let function, let arguments):
                            found.append(FoundCall(call: node, function: function, arguments: arguments, statement: statement,
                                                   definition: definition, enclosing: enclosing))
                        case .lambda: return "a lambda"
                        case .listComprehension: return "a list comprehension"
                        case .setComprehension: return "a set comprehension"
                        case .dictComprehension: return "a dict comprehension"
                        case .generator: return "a generator expression"
                        default: break
                        }
                        return enclosing
                    }
                }
                switch statement.kind {
                case .functionDefinition(let function): visit(function.body, definition: definition ?? "function \(function.name)")
                case .classDefinition(let definitionNode): visit(definitionNode.body, definition: definition ?? "class \(definitionNode.name)")
                default: for body in statement.bodies { visit(body, definition: definition) }
                }
            }
        }
        visit(module.body, definition: nil)
        return found.sorted { $0.call.start < $1.call.start }
    }

    static func lines(_ calls: [FoundCall]) -> String {
        let numbers = calls.map { String($0.line) }
        if numbers.count == 2 { return "lines \(numbers[0]) and \(numbers[1])" }
        return "lines " + numbers.dropLast().joined(separator: ", ") + " and " + (numbers.last ?? "")
    }

    /// The argument given positionally at `index` or by `keyword`; an error if both.
    static func argument(_ call: FoundCall, position index: Int, keyword: String, what: String,
                         error: (String, SourceLocation) -> PythonSourceError) throws(PythonSourceError) -> Expr? {
        let positional = call.arguments.filter { $0.kind == .positional }
        let named = call.arguments.first { $0.keyword == keyword }
        if index < positional.count, let named {
            throw error("\(what) is given twice, as argument \(index + 1) and as \(keyword)=; keep one", named.start)
        }
        return index < positional.count ? positional[index].value : named?.value
    }

    static func read(_ source: String, file: String) -> Result<TextGenerationScript, PythonSourceError> {
        do throws(PythonSourceError) {
            return .success(try readOrThrow(source, file: file))
        } catch {
            return .failure(error)
        }
    }

    static func readOrThrow(_ source: String, file: String) throws(PythonSourceError) -> TextGenerationScript {
        let module = try Parser.parseOnThisThread(source, file: file).get()
        let bindings = Bindings(module: module)
        let names = TransformersNames(module: module, bindings: bindings)
        func error(_ message: String, _ at: SourceLocation) -> PythonSourceError {
            PythonSourceError(file: file, line: at.line, column: at.column, message: message)
        }
        let calls = calls(in: module)

        // The pipeline.
        let pipelines = calls.filter { names.refersTo("pipeline", $0.function) }
        guard let pipeline = pipelines.first else {
            throw PythonSourceError(file: file, line: 1, column: nil, message:
                "no pipeline(...) call found; a text-generation script builds one with pipeline('text-generation', model=...) from transformers")
        }
        if pipelines.count > 1 {
            throw error("more than one pipeline(...) call (\(lines(pipelines))); wf reads a script that builds one pipeline",
                        pipelines[1].call.start)
        }
        guard pipeline.isAccepted else {
            throw error("the pipeline(...) call is \(pipeline.place); wf reads scripts that build the pipeline at top level, "
                        + "outside any def, class, lambda or comprehension", pipeline.call.start)
        }
        try checkNoUnpacking(pipeline, "pipeline(...)", "its task and model", error)
        guard let taskExpression = try argument(pipeline, position: 0, keyword: "task", what: "the pipeline's task", error: error) else {
            throw error("pipeline(...) names no task; write pipeline('text-generation', model=...)", pipeline.call.start)
        }
        let task = try string(taskExpression, subject: "the pipeline's task", bindings: bindings, error: error)
        guard task.value == "text-generation" else {
            throw error("the pipeline's task is \(LiteralValue.string(task.value)), not 'text-generation'; "
                        + "wf runs text-generation pipelines only", taskExpression.start)
        }
        let modelExpression = try argument(pipeline, position: 1, keyword: "model", what: "the pipeline's model", error: error)
        let model = try modelExpression.map { expression throws(PythonSourceError) in
            try string(expression, subject: "the model", bindings: bindings, error: error)
        }
        var otherPipelineArguments: [String: Int] = [:]
        for argument in pipeline.arguments {
            if let keyword = argument.keyword, keyword != "task", keyword != "model" { otherPipelineArguments[keyword] = argument.start.line }
        }

        // The variable it is assigned to, and its call.
        let generatorNames = assignedNames(of: pipeline.call, in: pipeline.statement)
        let generators = calls.filter { found in
            if case .name(let name) = found.function.kind, generatorNames.contains(name) { return true }
            return found.function.start == pipeline.call.start && found.function.end == pipeline.call.end
        }
        let generatorName = generatorNames.first
        let shownName = generatorName ?? "the pipeline"
        guard let generator = generators.first else {
            if let generatorName {
                throw error("the pipeline assigned to \(generatorName) is never called; call \(generatorName)(prompt, max_length=...) once",
                            pipeline.call.start)
            }
            throw error("the pipeline built here is not assigned to a variable; write generator = pipeline(...) "
                        + "and call generator(prompt, ...)", pipeline.call.start)
        }
        if generators.count > 1 {
            throw error("\(shownName) is called more than once (\(lines(generators))); wf runs one generation: keep one call",
                        generators[1].call.start)
        }
        guard generator.isAccepted else {
            throw error("\(shownName) is called \(generator.place); wf reads a single call at top level, "
                        + "outside any def, class, lambda or comprehension", generator.call.start)
        }
        if generator.call.start < pipeline.call.start {
            throw error("\(shownName) is called on line \(generator.line), before the pipeline is built on line \(pipeline.line)",
                        generator.call.start)
        }
        let callName = generatorName.map { "\($0)(...)" } ?? "the pipeline's call"
        try checkNoUnpacking(generator, callName, "the prompt and each setting", error)
        let positional = generator.arguments.filter { $0.kind == .positional }
        if positional.count > 1 {
            throw error("\(callName) takes the prompt as its only positional argument; pass the other settings by keyword "
                        + "(max_length=...)", positional[1].start)
        }
        guard let promptExpression = try argument(generator, position: 0, keyword: "text_inputs", what: "the prompt", error: error) else {
            throw error("\(callName) has no prompt; pass the text as its first argument", generator.call.start)
        }
        let promptValue = try PythonLiteral.resolve(promptExpression, bindings: bindings, subject: "the prompt")
        let prompt: Sourced<String>
        switch promptValue.value {
        case .string(let text):
            prompt = promptValue.map { _ in text }
        case .list(let items) where items.allSatisfy({ $0.stringValue != nil }):
            throw error("the prompt is a list of \(items.count) strings; wf generates from one prompt: pass one string",
                        promptExpression.start)
        default:
            throw error("the prompt is \(promptValue.value.describedWithType), not a string; write the text in quotes",
                        promptExpression.start)
        }
        var arguments: [String: Sourced<LiteralValue>] = [:]
        for argument in generator.arguments {
            guard let keyword = argument.keyword, keyword != "text_inputs" else { continue }
            if arguments[keyword] != nil {
                throw error("keyword argument repeated: \(keyword)", argument.start)
            }
            arguments[keyword] = try PythonLiteral.resolve(argument.value, bindings: bindings, subject: keyword)
        }

        // The seed.
        let seeds = calls.filter { names.refersTo("set_seed", $0.function) }
        if seeds.count > 1 {
            throw error("set_seed is called more than once (\(lines(seeds))); keep one call", seeds[1].call.start)
        }
        var seed: Sourced<Int>? = nil
        if let seedCall = seeds.first {
            guard seedCall.isAccepted else {
                throw error("set_seed(...) is called \(seedCall.place); call it at top level, before the generation", seedCall.call.start)
            }
            try checkNoUnpacking(seedCall, "set_seed(...)", "the seed", error)
            guard let seedExpression = try argument(seedCall, position: 0, keyword: "seed", what: "the seed", error: error) else {
                throw error("set_seed(...) has no seed; pass an int, such as set_seed(42)", seedCall.call.start)
            }
            let value = try PythonLiteral.resolve(seedExpression, bindings: bindings, subject: "the seed")
            guard case .int(let number) = value.value else {
                throw error("the seed is \(value.value.describedWithType), not an int; pass an int, such as set_seed(42)",
                            seedExpression.start)
            }
            if seedCall.call.start > generator.call.start {
                throw error("set_seed(...) on line \(seedCall.line) comes after the generation on line \(generator.line), "
                            + "so it does not affect it; call it before", seedCall.call.start)
            }
            seed = value.map { _ in number }
        }

        return TextGenerationScript(file: file, pipelineLine: pipeline.line, generatorName: generatorName,
                                    generatorLine: generator.line, task: task, model: model, seed: seed, prompt: prompt,
                                    arguments: arguments, otherPipelineArguments: otherPipelineArguments)
    }

    static func checkNoUnpacking(_ call: FoundCall, _ what: String, _ instead: String,
                                 _ error: (String, SourceLocation) -> PythonSourceError) throws(PythonSourceError) {
        for argument in call.arguments {
            switch argument.kind {
            case .starred:
                throw error("\(what) passes *args; wf reads only literal arguments: write \(instead) out", argument.start)
            case .doubleStarred:
                throw error("\(what) passes **kwargs; wf reads only literal arguments: write \(instead) out as name=value",
                            argument.start)
            default:
                break
            }
        }
    }

    static func string(_ expression: Expr, subject: String, bindings: Bindings,
                       error: (String, SourceLocation) -> PythonSourceError) throws(PythonSourceError) -> Sourced<String> {
        let value = try PythonLiteral.resolve(expression, bindings: bindings, subject: subject)
        guard case .string(let text) = value.value else {
            throw error("\(subject) is \(value.value.describedWithType), not a string; write it in quotes", expression.start)
        }
        return value.map { _ in text }
    }

    /// The names `statement` assigns the value `call` to: `a = b = call`, `a: T = call`, `(a := call)`.
    static func assignedNames(of call: Expr, in statement: Statement) -> [String] {
        func isCall(_ expression: Expr) -> Bool { expression.start == call.start && expression.end == call.end }
        var names: [String] = []
        switch statement.kind {
        case .assign(let targets, let value) where isCall(value):
            for target in targets { if case .name(let name) = target.kind { names.append(name) } }
        case .annotatedAssign(let target, _, let value?, _) where isCall(value):
            if case .name(let name) = target.kind { names.append(name) }
        default:
            break
        }
        for expression in statement.expressions {
            expression.walk { node in
                if case .namedExpr(let target, let value) = node.kind, isCall(value), case .name(let name) = target.kind {
                    names.append(name)
                }
                return true
            }
        }
        return names
    }

    static func detect(_ source: String) -> TextGenerationScript.Detection? {
        guard case .success(let module) = Parser.parseOnThisThread(source, file: "<detect>") else { return nil }
        let bindings = Bindings(module: module)
        let names = TransformersNames(module: module, bindings: bindings)
        for found in calls(in: module) {
            let isPipeline: Bool
            switch found.function.kind {
            case .name(let name): isPipeline = name == "pipeline" || names.refersTo("pipeline", found.function)
            case .attribute(_, let attribute): isPipeline = attribute == "pipeline"
            default: isPipeline = false
            }
            guard isPipeline else { continue }
            let positional = found.arguments.filter { $0.kind == .positional }
            let taskExpression = positional.first?.value ?? found.arguments.first { $0.keyword == "task" }?.value
            guard let taskExpression,
                  (try? PythonLiteral.evaluate(taskExpression, bindings: bindings))?.stringValue == "text-generation"
            else { continue }
            let modelExpression = positional.count > 1 ? positional[1].value : found.arguments.first { $0.keyword == "model" }?.value
            let model = modelExpression.flatMap { (try? PythonLiteral.evaluate($0, bindings: bindings))?.stringValue }
            return TextGenerationScript.Detection(line: found.line, model: model)
        }
        return nil
    }
}
