import Testing
import PythonSource

/// Names resolve through the module's top-level assignments as of the line where they are used.
@Suite struct BindingsTests {
    /// Resolves `name` as used at the start of `line` (column 1) in `source`.
    func resolve(_ name: String, line: Int, in source: String) throws(PythonSourceError) -> Sourced<LiteralValue> {
        let module = try Parser.parse(source, file: "s.py")
        let use = Expr(.name(name), start: SourceLocation(line: line, column: 1), end: SourceLocation(line: line, column: 1 + name.count))
        return try PythonLiteral.resolve(use, bindings: Bindings(module: module))
    }

    func error(_ name: String, line: Int, in source: String) -> PythonSourceError? {
        do {
            _ = try resolve(name, line: line, in: source)
            return nil
        } catch {
            return error
        }
    }

    @Test func asOfTheLineOfUse() throws {
        let source = "n = 1\nn = 2\n\nn = 3\n"
        #expect(try resolve("n", line: 2, in: source).value == .int(1))
        #expect(try resolve("n", line: 3, in: source).value == .int(2))
        #expect(try resolve("n", line: 3, in: source).bindingLine == 2)
        #expect(try resolve("n", line: 5, in: source).value == .int(3))
        #expect(error("n", line: 1, in: source)?.message == "n is used on line 1 before it is assigned on line 1; assign it before its use")
        #expect(error("m", line: 5, in: source)?.message == "m is not defined in this file; assign it a literal at top level or write the value itself")
    }

    @Test func chainedTupleAndStarredAssignments() throws {
        let source = "a = b = 'x'\nc, (d, e) = 1, (2.5, None)\nf, *g, h = [1, 2, 3, 4]\ni = a\nj = [a, c]\n"
        #expect(try resolve("a", line: 9, in: source).value == .string("x"))
        #expect(try resolve("b", line: 9, in: source).value == .string("x"))
        #expect(try resolve("c", line: 9, in: source).value == .int(1))
        #expect(try resolve("d", line: 9, in: source).value == .float(2.5))
        #expect(try resolve("e", line: 9, in: source).value == .none)
        #expect(try resolve("f", line: 9, in: source).value == .int(1))
        #expect(try resolve("g", line: 9, in: source).value == .list([.int(2), .int(3)]))
        #expect(try resolve("h", line: 9, in: source).value == .int(4))
        let through = try resolve("i", line: 9, in: source)
        #expect(through.value == .string("x") && through.name == "i" && through.bindingLine == 4)
        #expect(try resolve("j", line: 9, in: source).value == .list([.string("x"), .int(1)]))
        #expect(error("x", line: 3, in: "x, y = 1, 2, 3\n")?.message == "x is unpacked from 3 values into 2 names; Python raises ValueError here")
        #expect(try resolve("n", line: 3, in: "t = (1, 2)\nm, n = t\n").value == .int(2))
    }

    @Test func annotatedAssignments() throws {
        #expect(try resolve("x", line: 2, in: "x: int = 3\n").value == .int(3))
        #expect(error("x", line: 2, in: "x: int\n")?.message == "x is not defined in this file; assign it a literal at top level or write the value itself")
    }

    @Test func computedBindingsNameWhatTheyAre() {
        let call = error("max_length", line: 3, in: "import os\nmax_length = int(os.environ['N'])\n")
        #expect(call == PythonSourceError(file: "s.py", line: 2, column: 14,
                                          message: "max_length is computed (a call of int), not a literal; write the value itself"))
        #expect(error("p", line: 2, in: "p = f'{x}'\n")?.message == "p is computed (an f-string), not a literal; write the value itself")
        #expect(error("p", line: 2, in: "p = open('in.txt').read()\n")?.message
            == "p is computed (a call of open(...).read), not a literal; write the value itself")
        #expect(error("n", line: 3, in: "n = 1\nn += 1\n")?.message
            == "n is changed by an augmented assignment (n += ...), not a literal; write the value itself")
        #expect(error("n", line: 2, in: "from config import n\n")?.message
            == "n is imported (from config import n), not a literal; write the value itself")
        #expect(error("os", line: 2, in: "import os.path\n")?.message == "os is imported (import os.path), not a literal; write the value itself")
        #expect(error("f", line: 3, in: "def f():\n    pass\n")?.message == "f is a function defined here, not a literal; write the value itself")
        #expect(error("C", line: 2, in: "class C: pass\n")?.message == "C is a class defined here, not a literal; write the value itself")
        #expect(error("n", line: 3, in: "n = 1\ndel n\n")?.message == "n is deleted here (del n), so it has no value; assign it a literal after this line")
        #expect(error("y", line: 2, in: "print(y := 5)\n")?.message
            == "y is assigned by ':=' inside an expression, not a literal; write the value itself")
        // The error is at the binding's line, where the fix goes.
        #expect(error("b", line: 9, in: "a = input()\nb = a\n")?.line == 1)
    }

    @Test func conditionalBindings() {
        let source = "n = 1\nif debug:\n    n = 2\nfor i in range(3):\n    pass\nwith open('f') as f:\n    m = 3\ntry:\n    k = 1\nexcept E as e:\n    k = 2\n"
        #expect(error("n", line: 12, in: source)?.message
            == "n is assigned inside the 'if' block on line 2, so its value depends on how the script runs; assign it once at top level, outside any block")
        #expect(error("n", line: 12, in: source)?.line == 3)
        #expect(error("i", line: 12, in: source)?.message == "i is the target of a 'for' loop, not a literal; write the value itself")
        #expect(error("f", line: 12, in: source)?.message == "f is bound by 'with ... as', not a literal; write the value itself")
        #expect(error("m", line: 12, in: source)?.message.hasPrefix("m is assigned inside the 'with' block on line 6") == true)
        #expect(error("k", line: 12, in: source)?.message.hasPrefix("k is assigned inside the 'try' block on line 8") == true)
        #expect(error("e", line: 12, in: source)?.message == "e is bound by 'except ... as', not a literal; write the value itself")
        // A top-level assignment after the block counts again.
        #expect((try? resolve("n", line: 13, in: source + "n = 5\n"))?.value == .int(5))
        // A use inside a loop sees a binding later in the same loop (from the previous iteration).
        let loop = "x = 1\nuse(x)\nwhile x:\n    use(x)\n    x = 2\n"
        #expect(error("x", line: 4, in: loop)?.message.hasPrefix("x is assigned inside the 'while' block on line 3") == true)
        #expect(error("x", line: 3, in: loop)?.message.hasPrefix("x is assigned inside the 'while' block on line 3") == true)
        #expect((try? resolve("x", line: 2, in: loop))?.value == .int(1))
    }

    @Test func changesAfterTheAssignment() {
        let source = "params = {'a': 1}\nparams['b'] = 2\nitems = [1]\nitems.append(2)\ntext = 'abc'\ntext.upper()\n"
        #expect(error("params", line: 9, in: source)?.message
            == "params is changed here (params[...] = ...) after it is assigned on line 1; write its final value in the assignment")
        #expect(error("items", line: 9, in: source)?.message.hasPrefix("items is changed here (items.append(...))") == true)
        #expect((try? resolve("text", line: 9, in: source))?.value == .string("abc"))
        // A change after the use does not matter.
        #expect((try? resolve("params", line: 2, in: source))?.value == .dict([.init(key: .string("a"), value: .int(1))]))
    }

    @Test func globalsAndStarImports() {
        let global = "n = 1\ndef bump():\n    global n\n    n = 2\n"
        #expect(error("n", line: 5, in: global)?.message
            == "n is declared global in function bump, which can reassign it whenever it runs; wf reads only literals assigned at top level")
        #expect(error("n", line: 3, in: "n = 1\nfrom settings import *\n")?.message
            == "n may come from 'from settings import *' here; import it by name or write the value itself")
        #expect((try? resolve("n", line: 3, in: "from settings import *\nn = 1\n"))?.value == .int(1))
    }

    @Test func bindingsAreListedInOrder() throws {
        let module = try Parser.parse("x = 1\nif y:\n    x = 2\nx += 1\n", file: "s.py")
        let bindings = Bindings(module: module).bindings(of: "x")
        #expect(bindings.map(\.line) == [1, 3, 4])
        #expect(bindings.map { $0.block?.keyword } == [nil, "if", nil])
    }
}
