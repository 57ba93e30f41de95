import Testing
import PythonSource

@Suite struct TokenizerTests {
    func kinds(_ source: String) throws -> [Token.Kind] {
        try Tokenizer.tokenize(source).map(\.kind)
    }

    func texts(_ source: String, _ kind: Token.Kind) throws -> [String] {
        try Tokenizer.tokenize(source).filter { $0.kind == kind }.map(\.text)
    }

    func error(_ source: String) -> PythonSourceError? {
        do {
            _ = try Tokenizer.tokenize(source, file: "t.py")
            return nil
        } catch {
            return error
        }
    }

    @Test func eachTokenKind() throws {
        let tokens = try Tokenizer.tokenize("if x:  # note\n    y = 'a' + 1\n\nz\n")
        #expect(tokens.map(\.kind) == [.name, .name, .op, .comment, .newline, .indent, .name, .op, .string, .op, .number, .newline,
                                       .nl, .dedent, .name, .newline, .endMarker])
        #expect(tokens[3].text == "# note")
        #expect(tokens[8].string?.value == .text("a"))
    }

    @Test func positionsAreOneBased() throws {
        let tokens = try Tokenizer.tokenize("a = 1\n  \nbb.c\n")
        let named = tokens.filter { $0.kind == .name }
        #expect(named.map(\.start) == [SourceLocation(line: 1, column: 1), SourceLocation(line: 3, column: 1), SourceLocation(line: 3, column: 4)])
        #expect(named[1].end == SourceLocation(line: 3, column: 3))
        // Columns count Unicode scalars, not bytes.
        let unicode = try Tokenizer.tokenize("é = 'ü'; x")
        #expect(unicode.last { $0.kind == .name }?.start == SourceLocation(line: 1, column: 10))
    }

    @Test func finalNewlineAndDedentsAtEndOfInput() throws {
        #expect(try kinds("x") == [.name, .newline, .endMarker])
        #expect(try kinds("if x:\n  if y:\n    z") == [.name, .name, .op, .newline, .indent, .name, .name, .op, .newline, .indent, .name,
                                                        .newline, .dedent, .dedent, .endMarker])
        #expect(try kinds("") == [.endMarker])
        #expect(try kinds("\n\n# c\n") == [.nl, .nl, .comment, .nl, .endMarker])
    }

    @Test func indentation() throws {
        let source = "if a:\n    b\n    if c:\n        d\n    e\nf\n"
        #expect(try kinds(source).filter { $0 == .indent || $0 == .dedent } == [.indent, .indent, .dedent, .dedent])
        // Tabs advance to the next multiple of 8, so a tab equals eight spaces when used alike.
        #expect(try texts("if a:\n\tb\n\tc\n", .indent) == ["\t"])
        // Comment-only and blank lines do not change indentation.
        #expect(try kinds("if a:\n    b\n# c\n  \n    d\n").filter { $0 == .indent || $0 == .dedent } == [.indent, .dedent])
        // Mixing tabs and spaces ambiguously is a TabError, as in CPython.
        #expect(error("if a:\n\tb\n        c\n")?.message == "inconsistent use of tabs and spaces in indentation")
        let dedent = error("if a:\n    b\n  c\n")
        #expect(dedent?.message == "unindent does not match any outer indentation level")
        #expect(dedent?.line == 3)
        // A form feed resets the count.
        #expect(try kinds("x\n\u{0C}y\n").contains(.indent) == false)
        let deep = (0..<101).map { String(repeating: " ", count: $0) + "if x:\n" }.joined() + String(repeating: " ", count: 101) + "y\n"
        #expect(error(deep)?.message == "too many levels of indentation")
    }

    @Test func implicitAndExplicitLineJoining() throws {
        let tokens = try Tokenizer.tokenize("x = (1,\n     2)\ny = [\n]\nz = 1 + \\\n    2\n")
        #expect(tokens.filter { $0.kind == .newline }.count == 3)
        #expect(tokens.filter { $0.kind == .nl }.count == 2)
        #expect(!tokens.contains { $0.kind == .indent })
        #expect(tokens.first { $0.text == "2" }?.start == SourceLocation(line: 2, column: 6))
    }

    @Test func namesAreUnicodeIdentifiers() throws {
        #expect(try texts("naïve = π + _x1 + 日本", .name) == ["naïve", "π", "_x1", "日本"])
        #expect(error("x = a€b")?.message == "invalid character '€' (U+20AC)")
        #expect(error("x = \u{A0}")?.message == "invalid non-printable character U+00A0")
        #expect(error("a $ b")?.message == "invalid syntax")
    }

    @Test func numbers() throws {
        let literals = ["0", "00", "1_000", "0x_FF", "0XdeadBEEF", "0o17", "0b1010", "1.5", ".5", "5.", "1e10", "1E-5", "1_0.0_1e+1_0",
                        "3j", "1.5J", "0e0", "09.5"]
        for literal in literals {
            #expect(try texts("x = \(literal)", .number) == [literal], "\(literal)")
        }
        #expect(try texts("1if x else 2", .number) == ["1", "2"])
        #expect(error("0777")?.message.hasPrefix("leading zeros in decimal integer literals") == true)
        #expect(error("1__0")?.message == "invalid decimal literal")
        #expect(error("1_")?.message == "invalid decimal literal")
        #expect(error("1e")?.message == "invalid decimal literal")
        #expect(error("0x")?.message == "invalid hexadecimal literal")
        #expect(error("0o8")?.message == "invalid digit '8' in octal literal")
        #expect(error("0b2")?.message == "invalid digit '2' in binary literal")
        #expect(error("1.real")?.message == "invalid decimal literal")
    }

    @Test func operatorsLongestFirst() throws {
        let source = "a **= b //= c >>= d <<= e ... f := g -> h ** i // j != k == l <= m >= n << o >> p @ q @= r ^= s |= t &= u %= v ~w"
        #expect(try texts(source, .op) == ["**=", "//=", ">>=", "<<=", "...", ":=", "->", "**", "//", "!=", "==", "<=", ">=", "<<", ">>",
                                           "@", "@=", "^=", "|=", "&=", "%=", "~"])
    }

    @Test func everyStringPrefix() throws {
        for prefix in ["", "r", "u", "R", "U", "f", "F", "b", "B", "br", "Br", "bR", "BR", "rb", "rB", "Rb", "RB", "fr", "Fr", "fR", "FR",
                       "rf", "rF", "Rf", "RF"] {
            let tokens = try Tokenizer.tokenize("x = \(prefix)'a'")
            #expect(tokens[2].kind == .string, "\(prefix)")
            #expect(tokens[2].text == "\(prefix)'a'")
            #expect(tokens[2].string?.prefix == prefix)
        }
        // Not prefixes: a name followed by a string.
        #expect(try kinds("ur'a'").prefix(2) == [.name, .string])
        #expect(try kinds("bu'a'").prefix(2) == [.name, .string])
    }

    func value(_ literal: String) throws -> StringLiteral.Value? {
        try Tokenizer.tokenize(literal).first?.string?.value
    }

    @Test func quotesAndTripleQuotes() throws {
        #expect(try value(#""it's""#) == .text("it's"))
        #expect(try value(#"'say "hi"'"#) == .text("say \"hi\""))
        #expect(try value("'''a\n'b'\n\"\"c'''") == .text("a\n'b'\n\"\"c"))
        #expect(try value("\"\"\"x\"\"\"") == .text("x"))
        #expect(try value("''") == .text(""))
        let tokens = try Tokenizer.tokenize("x = '''\nline\n''' + y")
        #expect(tokens.first { $0.text == "y" }?.start == SourceLocation(line: 3, column: 7))
    }

    @Test func escapesDecodedAsPythonDoes() throws {
        #expect(try value(#"'\n\t\\\'\"\a\b\f\v\r'"#) == .text("\n\t\\'\"\u{07}\u{08}\u{0C}\u{0B}\r"))
        #expect(try value(#"'\x41\u00e9\U0001F600'"#) == .text("Aé😀"))
        #expect(try value(#"'\101\0\7777'"#) == .text("A\u{0}\u{1FF}7"))
        #expect(try value(#"'\N{EM DASH}\N{latin small letter a}'"#) == .text("—a"))
        // Unknown escapes keep their backslash.
        #expect(try value(#"'\d\w\ '"#) == .text(#"\d\w\ "#))
        // A backslash at the end of a line joins it with the next, inside the literal.
        #expect(try value("'a\\\nb'") == .text("ab"))
        // Raw strings keep everything.
        #expect(try value(#"r'\n\x\''"#) == .text(#"\n\x\'"#))
        // Bytes: \x and octal as bytes, \u and \N kept as written.
        #expect(try value(#"b'\x00\xff\777\u1234'"#) == .bytes([0, 255, 255] + Array(#"\u1234"#.utf8)))
        #expect(try value(#"rb'\x00'"#) == .bytes(Array(#"\x00"#.utf8)))
        // f-strings are one token whose template is kept.
        #expect(try value(#"f'{x!r:>{w}} {{literal}}'"#) == .formatted)
        #expect(try Tokenizer.tokenize(#"f'{a["k"]}' + b"#).last { $0.kind == .name }?.text == "b")
        // A lone surrogate is valid Python that a Swift String cannot hold.
        if case .unsupported? = try value(#"'\ud800'"#) {} else { Issue.record("expected unsupported") }
        // Windows line ends inside a triple-quoted string become \n, as CPython reads them.
        #expect(try value("'''a\r\nb'''") == .text("a\nb"))
    }

    @Test func stringErrorsAndTheirPositions() {
        let unterminated = error("x = 1\ny = 'abc\n")
        #expect(unterminated == PythonSourceError(file: "t.py", line: 2, column: 5, message: "unterminated string literal (detected at line 2)"))
        #expect(error("x = '''abc\n\ndef\n")?.message == "unterminated triple-quoted string literal (detected at line 3)")
        #expect(error("x = '''abc\n\ndef\n")?.line == 1)
        #expect(error(#"'\x4'"#)?.message.hasSuffix("truncated \\xXX escape") == true)
        #expect(error(#"'\U00110000'"#)?.message.hasSuffix("illegal Unicode character") == true)
        #expect(error(#"'\N{NOT A NAME}'"#)?.message.hasSuffix("unknown Unicode character name") == true)
        #expect(error(#"b'\x4'"#)?.message == #"(value error) invalid \x escape at position 0"#)
        #expect(error("b'é'")?.message == "bytes can only contain ASCII literal characters")
        #expect(error("f'{'")?.message == "f-string: expecting '}'")
        #expect(error("f'}'")?.message == "f-string: single '}' is not allowed")
        #expect(error("f'{ }'")?.message == "f-string: empty expression not allowed")
    }

    @Test func bracketErrors() {
        #expect(error("x = (1,\n2") == PythonSourceError(file: "t.py", line: 1, column: 5, message: "'(' was never closed"))
        #expect(error("x = [1)") == PythonSourceError(file: "t.py", line: 1, column: 7,
                                                       message: "closing parenthesis ')' does not match opening parenthesis '['"))
        #expect(error("x = [1,\n)")?.message == "closing parenthesis ')' does not match opening parenthesis '[' on line 1")
        #expect(error("x = 1)") == PythonSourceError(file: "t.py", line: 1, column: 6, message: "unmatched ')'"))
        #expect(error(String(repeating: "(", count: 201))?.message == "too deeply nested: more than 200 levels of brackets")
        #expect(error(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)) == nil)
    }

    @Test func continuationErrors() {
        #expect(error("x = \\ 1") == PythonSourceError(file: "t.py", line: 1, column: 6,
                                                        message: "unexpected character after line continuation character"))
        #expect(error("x = \\")?.message == "unexpected EOF while parsing")
        #expect(error("x = 1\0")?.message == "source code cannot contain null bytes")
    }

    @Test func lineEndsAndByteOrderMark() throws {
        #expect(try kinds("a\r\nb\rc\n") == [.name, .newline, .name, .newline, .name, .newline, .endMarker])
        #expect(try Tokenizer.tokenize("\u{FEFF}x = 1").first?.start == SourceLocation(line: 1, column: 1))
    }
}
