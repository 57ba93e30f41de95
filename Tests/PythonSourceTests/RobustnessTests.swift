import Testing
import PythonSource

/// Untrusted input must parse or throw: never trap, overflow or exhaust the stack.
@Suite struct RobustnessTests {
    /// SplitMix64: a small deterministic generator, so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    }

    /// Bytes that stress the tokenizer and parser more than random ones.
    static let interesting = Array("()[]{}'\"\\\n\t #:=,.*-+fbr0x_jeé€\r\u{0}\u{0C}".utf8) + [0xFF, 0xC3, 0x80, 0xE2]

    func checkWellFormed(_ error: PythonSourceError, _ source: String) {
        #expect(error.line >= 1, "\(error)")
        #expect((error.column ?? 1) >= 1, "\(error)")
        #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(error)")
    }

    /// Reads `source` as a script (tokenizer, parser, bindings, literals) and detects a pipeline
    /// in it; returns whether reading succeeded.
    @discardableResult
    func exercise(_ source: String, detect: Bool = true) -> Bool {
        if detect { _ = TextGenerationScript.detect(source: source) }
        do {
            _ = try TextGenerationScript.read(source: source, file: "m.py")
            return true
        } catch {
            checkWellFormed(error, source)
            return false
        }
    }

    /// Parses `source` and evaluates the value of every top-level assignment.
    func evaluateAssignments(_ source: String) {
        do {
            let module = try Parser.parse(source, file: "m.py")
            let bindings = Bindings(module: module)
            for statement in module.body {
                if case .assign(_, let value) = statement.kind {
                    do { _ = try PythonLiteral.resolve(value, bindings: bindings) } catch { checkWellFormed(error, source) }
                }
            }
        } catch {
            checkWellFormed(error, source)
        }
    }

    @Test func randomMutationsOfTheTutorialNeverCrash() {
        var random = Random(state: 20_240_601)
        let original = Array(TextGenerationScriptTests.tutorial.utf8)
        var read = 0
        for iteration in 0..<20_000 {
            var bytes = original
            for _ in 0..<(1 + random.below(4)) {
                let at = random.below(bytes.count + 1)
                switch random.below(3) {
                case 0 where !bytes.isEmpty:
                    let length = min(1 + random.below(8), bytes.count - min(at, bytes.count - 1))
                    let start = min(at, bytes.count - 1)
                    bytes.removeSubrange(start..<(start + length))
                case 1:
                    let byte = random.below(2) == 0 ? Self.interesting[random.below(Self.interesting.count)] : UInt8(truncatingIfNeeded: random.next())
                    bytes.insert(byte, at: at)
                default:
                    let start = random.below(bytes.count)
                    let length = min(1 + random.below(40), bytes.count - start)
                    bytes.insert(contentsOf: bytes[start..<(start + length)], at: at)
                }
            }
            let source = String(decoding: bytes, as: UTF8.self)
            if exercise(source, detect: iteration % 4 == 0) { read += 1 }
            if iteration % 10 == 0 { evaluateAssignments(source) }
        }
        // The mutations are small: many scripts still read, many do not; both paths ran.
        #expect(read > 1_000 && read < 19_000)
    }

    @Test func randomBytesNeverCrash() {
        var random = Random(state: 7)
        for _ in 0..<2_000 {
            let bytes = (0..<random.below(200)).map { _ in
                random.below(3) == 0 ? UInt8(truncatingIfNeeded: random.next()) : Self.interesting[random.below(Self.interesting.count)]
            }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    func nestingError(_ source: String) -> String? {
        do {
            _ = try Parser.parse(source, file: "deep.py")
            return nil
        } catch {
            return error.message
        }
    }

    @Test func tenThousandNestedBracketsThrow() {
        for (open, close) in [("(", ")"), ("[", "]"), ("{", "}"), ("f(", ")"), ("a[", "]"), ("{1: ", "}")] {
            let source = "x = " + String(repeating: open, count: 10_000) + "1" + String(repeating: close, count: 10_000)
            #expect(nestingError(source) == "too deeply nested: more than 200 levels of brackets", "\(open)")
            exercise(source)
        }
    }

    @Test func deepNestingWithoutBracketsThrows() {
        let sources = [
            "x = " + String(repeating: "-", count: 100_000) + "1",
            "x = " + String(repeating: "not ", count: 100_000) + "1",
            "x = " + String(repeating: "2 ** ", count: 100_000) + "1",
            "x = " + String(repeating: "lambda: ", count: 100_000) + "1",
            "x = " + String(repeating: "1 if 1 else ", count: 100_000) + "1",
            "x = a" + String(repeating: ".b", count: 100_000),
            "x = 1" + String(repeating: " + 1", count: 100_000),
            "x = f" + String(repeating: "()", count: 100_000),
            "x = a" + String(repeating: "[0]", count: 100_000),
            "if x:\n    pass\n" + String(repeating: "elif x:\n    pass\n", count: 20_000),
        ]
        for source in sources {
            #expect(nestingError(source)?.hasPrefix("too deeply nested") == true, "\(source.prefix(20))")
            exercise(source)
        }
        let indented = (0..<1_000).map { String(repeating: " ", count: $0) + "if x:\n" }.joined() + String(repeating: " ", count: 1_000) + "pass\n"
        #expect(nestingError(indented) == "too many levels of indentation")
        // Within the limits, deep input parses.
        #expect(nestingError("x = " + String(repeating: "(", count: 199) + "1" + String(repeating: ")", count: 199)) == nil)
        #expect(nestingError("x = " + String(repeating: "-", count: 900) + "1") == nil)
        #expect(nestingError("x = a" + String(repeating: ".b", count: 900)) == nil)
    }

    @Test func longChainsOfNamesAreBounded() throws {
        let source = "a0 = 1\n" + (1..<1_000).map { "a\($0) = a\($0 - 1)\n" }.joined()
        let module = try Parser.parse(source, file: "chain.py")
        let use = Expr(.name("a999"), start: SourceLocation(line: 2_000, column: 1), end: SourceLocation(line: 2_000, column: 5))
        #expect(throws: PythonSourceError.self) { try PythonLiteral.evaluate(use, bindings: Bindings(module: module)) }
        let short = Expr(.name("a40"), start: SourceLocation(line: 2_000, column: 1), end: SourceLocation(line: 2_000, column: 4))
        #expect(try PythonLiteral.evaluate(short, bindings: Bindings(module: module)) == .int(1))
    }

    @Test func hugeLiterals() {
        exercise("x = " + String(repeating: "9", count: 100_000))
        exercise("x = '" + String(repeating: "\\x41", count: 50_000) + "'")
        exercise("x = [" + String(repeating: "1, ", count: 50_000) + "]")
        exercise("x = {" + (0..<20_000).map { "\($0): \($0), " }.joined() + "}")
    }
}
