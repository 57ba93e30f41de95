import Testing
import PythonSource

@Suite struct LiteralTests {
    func value(_ source: String) throws(PythonSourceError) -> LiteralValue {
        let module = try Parser.parse("x = " + source, file: "l.py")
        guard case .assign(_, let expression) = module.body[0].kind else { throw PythonSourceError(file: "", line: 0, column: nil, message: "") }
        return try PythonLiteral.evaluate(expression, bindings: Bindings(file: "l.py"), subject: "x")
    }

    func error(_ source: String) -> String? {
        do {
            _ = try value(source)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func constants() throws {
        #expect(try value("None") == .none)
        #expect(try value("True") == .bool(true))
        #expect(try value("False") == .bool(false))
        #expect(try value("30") == .int(30))
        #expect(try value("1_000_000") == .int(1_000_000))
        #expect(try value("0x_FF") == .int(255))
        #expect(try value("0o17") == .int(15))
        #expect(try value("0b101") == .int(5))
        #expect(try value("0.9") == .float(0.9))
        #expect(try value(".95") == .float(0.95))
        #expect(try value("5.") == .float(5))
        #expect(try value("1e-3") == .float(0.001))
        #expect(try value("1_0.5e1_0") == .float(10.5e10))
        #expect(try value("1e400") == .float(.infinity))
        #expect(try value("'text'") == .string("text"))
        #expect(try value("b'\\x00a'") == .bytes([0, 97]))
    }

    @Test func unaryAndGrouping() throws {
        #expect(try value("-5") == .int(-5))
        #expect(try value("+5") == .int(5))
        #expect(try value("-(5)") == .int(-5))
        #expect(try value("--5") == .int(5))
        #expect(try value("-0.5") == .float(-0.5))
        #expect(try value("-True") == .int(-1))
        #expect(try value("((((7))))") == .int(7))
        #expect(try value("-9223372036854775808") == .int(Int.min))
        #expect(error("-'a'") == "x applies unary - to a str, which Python rejects")
        #expect(error("not True") == "x is computed (an expression with not), not a literal; write the value itself")
        #expect(error("~1") == "x is computed (an expression with ~), not a literal; write the value itself")
    }

    @Test func integerOverflowIsAnErrorNotATrap() {
        #expect(error(String(repeating: "9", count: 100))?.hasPrefix("x is 9999") == true)
        #expect(error("9223372036854775808")?.contains("does not fit in a 64-bit integer") == true)
        #expect(error("-9223372036854775809")?.contains("does not fit in a 64-bit integer") == true)
        #expect(error("-(-9223372036854775808)")?.contains("does not fit in a 64-bit integer") == true)
        #expect(error("0x" + String(repeating: "F", count: 17))?.contains("does not fit") == true)
    }

    @Test func implicitConcatenation() throws {
        #expect(try value("'Hello, ' \"I'm \" '''a model'''") == .string("Hello, I'm a model"))
        #expect(try value("('multi'\n     'line')") == .string("multiline"))
        #expect(try value("b'a' b'b'") == .bytes([97, 98]))
    }

    @Test func containers() throws {
        #expect(try value("[1, 'a', None]") == .list([.int(1), .string("a"), .none]))
        #expect(try value("(1,)") == .tuple([.int(1)]))
        #expect(try value("()") == .tuple([]))
        #expect(try value("1, 2") == .tuple([.int(1), .int(2)]))
        #expect(try value("[[1, 2], [3]]") == .list([.list([.int(1), .int(2)]), .list([.int(3)])]))
        #expect(try value("{'a': 1, 'b': [2]}") == .dict([.init(key: .string("a"), value: .int(1)), .init(key: .string("b"), value: .list([.int(2)]))]))
        // A repeated key keeps its first position and last value; 1, 1.0 and True are one key.
        #expect(try value("{1: 'a', 'k': 0, 1.0: 'b', True: 'c'}") ==
            .dict([.init(key: .int(1), value: .string("c")), .init(key: .string("k"), value: .int(0))]))
        #expect(try value("{1, 2, 1, True, 2.0}") == .set([.int(1), .int(2)]))
        #expect(try value("{(1, 2): 'pair'}") == .dict([.init(key: .tuple([.int(1), .int(2)]), value: .string("pair"))]))
        #expect(error("{[1]: 2}") == "x has a list as a dict key, which Python rejects (unhashable)")
        #expect(error("{[1]}") == "x has a list in a set, which Python rejects (unhashable)")
        #expect(error("[*a]") == "x is computed (a starred expression), not a literal; write the value itself")
        #expect(error("{**a}") == "x is computed (a ** unpacking), not a literal; write the value itself")
    }

    @Test func computedValuesAreNamed() {
        #expect(error("int('3')") == "x is computed (a call of int), not a literal; write the value itself")
        #expect(error("open('p.txt').read()") == "x is computed (a call of open(...).read), not a literal; write the value itself")
        #expect(error("f'{a}'") == "x is computed (an f-string), not a literal; write the value itself")
        #expect(error("10 * 3") == "x is computed (an expression with *), not a literal; write the value itself")
        #expect(error("os.environ['K']") == "x is computed (an item of os.environ), not a literal; write the value itself")
        #expect(error("config.length") == "x is computed (the attribute config.length), not a literal; write the value itself")
        #expect(error("[i for i in r]") == "x is computed (a list comprehension), not a literal; write the value itself")
        #expect(error("a if b else c") == "x is computed (a conditional expression), not a literal; write the value itself")
        #expect(error("2j") == "x is a complex number (2j), which wf does not read; write an int or a float")
        #expect(error("'\\ud800'")?.hasPrefix("x is unsupported: the string holds the lone surrogate") == true)
    }

    @Test func tooDeeplyNestedContainers() {
        let deep = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(error(deep)?.contains("too deeply nested") == true)
    }

    @Test func reprLikePython() {
        #expect(LiteralValue.string("it's").description == #""it's""#)
        #expect(LiteralValue.string("a'b\"c\n").description == #"'a\'b"c\n'"#)
        #expect(LiteralValue.float(0.95).description == "0.95")
        #expect(LiteralValue.float(1e16).description == "1e+16")
        #expect(LiteralValue.float(30).description == "30.0")
        #expect(LiteralValue.tuple([.int(1)]).description == "(1,)")
        #expect(LiteralValue.set([]).description == "set()")
        #expect(LiteralValue.dict([.init(key: .string("a"), value: .bool(true))]).description == "{'a': True}")
        #expect(LiteralValue.bytes([0, 97, 39]).description == #"b"\x00a'""#)
        #expect(LiteralValue.none.description == "None")
        #expect(LiteralValue.int(3).doubleValue == 3 && LiteralValue.bool(true).intValue == nil)
    }
}
