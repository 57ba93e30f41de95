/// A problem in a workflow file, located: `FILE:LINE:COLUMN: KEY.PATH: message`.
public struct WorkflowError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted path of the key, e.g. `jobs.generateText.inputs.repo`.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        "\(file):\(line):\(column): \(keyPath.isEmpty ? "" : keyPath + ": ")\(message)"
    }
}

/// Every problem found in one file (parsing goes on after the first, so a user fixes them all at once).
public struct WorkflowErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [WorkflowError]
    public init(errors: [WorkflowError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
