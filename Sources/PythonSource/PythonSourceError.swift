/// A problem in a Python source file: a syntax error found by the ``Tokenizer`` or the ``Parser``,
/// a value that is not a literal (``PythonLiteral``, ``Bindings``), or a script that does not have the
/// shape ``TextGenerationScript`` reads.
///
/// `description` is one line, `FILE:LINE:COLUMN: message`, or `FILE:LINE: message` when no column
/// makes sense (`column` is `nil`). Lines and columns are 1-based; columns count Unicode scalars,
/// tabs count one. Syntax messages use CPython 3.11's wording where practical
/// (`invalid syntax`, `unexpected indent`, `'(' was never closed`, ...).
public struct PythonSourceError: Error, CustomStringConvertible, Equatable, Hashable, Sendable {
    /// The file name as given to the reader (`<string>` when none was given).
    public var file: String
    public var line: Int
    public var column: Int?
    public var message: String

    public init(file: String, line: Int, column: Int?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file):\(line): \(message)"
    }
}

/// A 1-based line and column (in Unicode scalars) in a source file.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        a.line != b.line ? a.line < b.line : a.column < b.column
    }

    public var description: String { "\(line):\(column)" }
}
