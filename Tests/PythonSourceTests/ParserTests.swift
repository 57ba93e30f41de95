import Testing
import PythonSource

@Suite struct ParserTests {
    func parse(_ source: String) throws -> [Statement] {
        try Parser.parse(source, file: "p.py").body
    }

    func expression(_ source: String) throws -> String {
        ASTShape.expr(try Parser.parseExpression(source))
    }

    func error(_ source: String) -> PythonSourceError? {
        do {
            _ = try Parser.parse(source, file: "p.py")
            return nil
        } catch {
            return error
        }
    }

    @Test func precedence() throws {
        // Strip positions to compare shapes only.
        func shape(_ source: String) throws -> String {
            try expression(source).replacing(/@\d+:\d+/, with: "")
        }
        #expect(try shape("a or b and not c") == "BoolOp(Or,[Name:a,BoolOp(And,[Name:b,UnaryOp(Not,Name:c)])])")
        #expect(try shape("-a ** -b") == "UnaryOp(USub,BinOp(Name:a,Pow,UnaryOp(USub,Name:b)))")
        #expect(try shape("a ** b ** c") == "BinOp(Name:a,Pow,BinOp(Name:b,Pow,Name:c))")
        #expect(try shape("a - b - c") == "BinOp(BinOp(Name:a,Sub,Name:b),Sub,Name:c)")
        #expect(try shape("a | b ^ c & d << e + f * g") ==
            "BinOp(Name:a,BitOr,BinOp(Name:b,BitXor,BinOp(Name:c,BitAnd,BinOp(Name:d,LShift,BinOp(Name:e,Add,BinOp(Name:f,Mult,Name:g))))))")
        #expect(try shape("a < b not in c is not d") == "Compare(Name:a,[Lt,NotIn,IsNot],[Name:b,Name:c,Name:d])")
        #expect(try shape("not a == b") == "UnaryOp(Not,Compare(Name:a,[Eq],[Name:b]))")
        #expect(try shape("a if b else c if d else e") == "IfExp(Name:b,Name:a,IfExp(Name:d,Name:c,Name:e))")
        #expect(try shape("lambda x: x + 1") == "Lambda(arguments([],[arg:x(_)],_,[],[],_,[]),BinOp(Name:x,Add,Constant:int))")
        #expect(try shape("await a ** b") == "BinOp(Await(Name:a),Pow,Name:b)")
        #expect(try shape("a.b(c)[d]") == "Subscript(Call(Attribute:b(Name:a),[Name:c],[]),Name:d)")
    }

    @Test func statementsAndTheirLines() throws {
        let body = try parse("import os\n\nx = 1\nif x:\n    y = 2\nelse:\n    y = 3\ndef f():\n    return x\n")
        #expect(body.map(\.line) == [1, 3, 4, 8])
        guard case .if(_, let then, let orElse) = body[2].kind else { Issue.record("not an if"); return }
        #expect(then.map(\.line) == [5])
        #expect(orElse.map(\.line) == [7])
        #expect(body[2].end == SourceLocation(line: 7, column: 10))
    }

    @Test func importsBindWhatPythonBinds() throws {
        let body = try parse("import a.b as c, d.e\nfrom .. import x\nfrom m import (p, q as r,)\n")
        guard case .import(let names) = body[0].kind, case .importFrom(let module, let from, let level) = body[1].kind,
              case .importFrom(_, let list, _) = body[2].kind else { Issue.record("shapes"); return }
        #expect(names.map(\.boundName) == ["c", "d"])
        #expect(module == nil && level == 2 && from.map(\.name) == ["x"])
        #expect(list.map(\.boundName) == ["p", "r"])
    }

    @Test func functionParameters() throws {
        let body = try parse("@dec\nasync def f(a, /, b=1, *args, c, d=2, **kw) -> int:\n    pass\n")
        guard case .functionDefinition(let function) = body[0].kind else { Issue.record("not a def"); return }
        #expect(function.isAsync && function.decorators.count == 1)
        #expect(function.parameters.names == ["a", "b", "args", "c", "d", "kw"])
        #expect(function.parameters.positionalOnly.map(\.name) == ["a"])
        #expect(function.parameters.keywordOnly.map(\.name) == ["c", "d"])
        #expect(body[0].line == 2)
    }

    @Test func matchIsASoftKeyword() throws {
        let body = try parse("match = {'a': 1}\nmatch match:\n    case {'a': x}:\n        pass\n    case _:\n        pass\n")
        guard case .assign = body[0].kind, case .match(_, let cases) = body[1].kind else { Issue.record("shapes"); return }
        #expect(cases.count == 2)
    }

    @Test func stringsConcatenateAndFStringsStayWhole() throws {
        guard case .expression(let plain) = try parse("'a' \"b\" '''c'''")[0].kind, case .string("abc") = plain.kind else {
            Issue.record("plain"); return
        }
        guard case .expression(let formatted) = try parse("'a' f'{b}' 'c'")[0].kind, case .fstring(let parts) = formatted.kind else {
            Issue.record("f-string"); return
        }
        #expect(parts == ["'a'", "f'{b}'", "'c'"])
    }

    @Test func syntaxErrorsCarryLineColumnAndCPythonsWords() {
        #expect(error("x = 1\n  y = 2\n") == PythonSourceError(file: "p.py", line: 2, column: 2, message: "unexpected indent"))
        #expect(error("if x:\npass\n")?.message == "expected an indented block after 'if' statement on line 1")
        #expect(error("x = (1,\n2\n")?.message == "'(' was never closed")
        #expect(error("x = 1 2")?.description == "p.py:1:7: invalid syntax")
        #expect(error("f() = 1")?.message == "cannot assign to function call here. Maybe you meant '==' instead of '='?")
        #expect(error("def f(a=1, b): pass")?.message == "non-default argument follows default argument")
        #expect(error("f(a=1, b)")?.message == "positional argument follows keyword argument")
        #expect(error("if x\n    pass")?.message == "expected ':'")
        // The earlier of a syntax error and a later tokenizer error wins, as in CPython.
        #expect(error("x = = 1\ny = 'unterminated\n")?.line == 2)
        #expect(error("x = 1\n  y = 2\nz = 'unterminated\n")?.message == "unexpected indent")
    }

    @Test func descriptionWithAndWithoutColumn() {
        #expect(PythonSourceError(file: "s.py", line: 3, column: 7, message: "m").description == "s.py:3:7: m")
        #expect(PythonSourceError(file: "s.py", line: 3, column: nil, message: "m").description == "s.py:3: m")
    }

    @Test func walkingVisitsEveryExpression() throws {
        let statement = try parse("x = f(a, *b, k=[c for c in d if e], **g)[h:i]")[0]
        var names: [String] = []
        for expression in statement.expressions {
            expression.walk { node in
                if case .name(let name) = node.kind { names.append(name) }
                return true
            }
        }
        #expect(names == ["x", "f", "a", "b", "c", "d", "e", "c", "g", "h", "i"])
    }
}
