import Foundation
import PythonSource
import Workflows

/// Recognises a `script@v1` job that runs a repository's Python file building a transformers
/// `pipeline('text-generation')` (the Gradient tutorial's `generateText`), and writes the job
/// that does the same natively: `uses: text-generation@v1` with `settings:` naming that file
/// in the job's checkout input, the same needs, inputs, outputs and resources. `wf validate`
/// and a failed `wf run` print it; `wf migrate` rewrites the workflow file in place, editing
/// only the job's `uses:` line and its `with:` block, so every comment elsewhere stays.
public struct PipelineMigration: Sendable, Equatable {
    public var job: String
    /// The job's input that holds the repository (`repo`).
    public var input: String
    /// The script, relative to the repository (`nlp_text_generation.py`).
    public var script: String
    /// Where the pipeline is built in the script.
    public var pipelineLine: Int
    /// The model the script names, if a literal.
    public var model: String?

    /// `INPUT/SCRIPT`, the value of `settings:`.
    public var settingsPath: String { "\(input)/\(script)" }

    /// The jobs of `spec` that can move to `text-generation@v1`, looking for their scripts in
    /// `checkout` (the repository the workflow checks out).
    public static func find(in spec: WorkflowSpec, checkout: String) -> [PipelineMigration] {
        spec.jobs.compactMap { job in
            guard job.action == .script, case .literal(let script)? = job.with["script"] else { return nil }
            for file in pythonFiles(in: script) {
                let name = file.split(separator: "/").last.map(String.init) ?? file
                for (inputName, input) in job.inputs.sorted(by: { $0.key < $1.key }) {
                    guard case .output(let source, _) = input, spec.job(named: source)?.action == .gitCheckout else { continue }
                    let path = "\(checkout)/\(name)"
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                          let found = TextGenerationScript.detect(source: text) else { continue }
                    return PipelineMigration(job: job.name, input: inputName, script: name, pipelineLine: found.line, model: found.model)
                }
            }
            return nil
        }
    }

    /// Files a shell script runs with Python: `python3 FILE.py`, `python FILE.py`, `python3 -u FILE.py`.
    static func pythonFiles(in script: String) -> [String] {
        var files = [String]()
        for line in script.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let python = words.firstIndex(where: { $0.hasPrefix("python") && !$0.contains("/") || $0.hasSuffix("/python3") || $0.hasSuffix("/python") }) else { continue }
            let arguments = words[(python + 1)...].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
            if let file = arguments.first(where: { $0.hasSuffix(".py") && !$0.hasPrefix("-") }) { files.append(file) }
        }
        return files
    }

    /// The workflow file's text with the job moved: its `uses:` line and `with:` block
    /// replaced, every other line (comments included) as it was.
    ///
    /// - Throws: `MigrationError` when the job's lines cannot be found as written.
    public func apply(to text: String, job spec: Job) throws -> String {
        var lines = text.components(separatedBy: "\n")
        let start = spec.line - 1
        guard start >= 0, start < lines.count else { throw MigrationError(job: job, detail: "its line \(spec.line) is not in the file") }
        let end = Self.jobEnd(lines, start: start)
        let body = (start + 1)..<end
        guard let keyIndent = body.first(where: { !Self.isBlankOrComment(lines[$0]) }).map({ Self.indent(lines[$0]) }) else {
            throw MigrationError(job: job, detail: "it has no keys")
        }
        func key(_ name: String) -> Int? {
            body.first { Self.indent(lines[$0]) == keyIndent && lines[$0].dropFirst(keyIndent).hasPrefix(name + ":") }
        }
        guard let uses = key("uses"), let with = key("with") else {
            throw MigrationError(job: job, detail: "its uses: and with: are not written one key a line")
        }
        var withEnd = with + 1
        while withEnd < end && (lines[withEnd].trimmingCharacters(in: .whitespaces).isEmpty || Self.indent(lines[withEnd]) > keyIndent) { withEnd += 1 }
        while withEnd > with + 1 && lines[withEnd - 1].trimmingCharacters(in: .whitespaces).isEmpty { withEnd -= 1 }
        let pad = String(repeating: " ", count: keyIndent)
        let childPad = String(repeating: " ", count: keyIndent + 2)
        let replacementWith = ["\(pad)with:", "\(childPad)settings: \(settingsPath)"]
        // The uses: line first: replacing one line moves no other, so the with: block stays where it was found.
        lines[uses] = "\(pad)uses: text-generation@v1"
        lines.replaceSubrange(with..<withEnd, with: replacementWith)
        return lines.joined(separator: "\n")
    }

    /// The job as it would read after `apply`, for printing.
    public func replacement(in text: String, job spec: Job) throws -> String {
        let migrated = try apply(to: text, job: spec).components(separatedBy: "\n")
        let start = spec.line - 1
        return migrated[start..<Self.jobEnd(migrated, start: start)].joined(separator: "\n")
    }

    /// The line after the job that starts at `start`: its key's deeper-indented lines, blank
    /// lines and comments between them, but not the blank lines and comments that trail it
    /// (they belong to what follows).
    static func jobEnd(_ lines: [String], start: Int) -> Int {
        let jobIndent = indent(lines[start])
        var end = start + 1
        while end < lines.count && (isBlankOrComment(lines[end]) || indent(lines[end]) > jobIndent) { end += 1 }
        while end > start + 1 && isBlankOrComment(lines[end - 1]) { end -= 1 }
        return end
    }

    static func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    static func isBlankOrComment(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }
}

public struct MigrationError: Error, CustomStringConvertible {
    public var job: String
    public var detail: String
    public var description: String { "job \(job) cannot be rewritten in place: \(detail); edit it by hand" }
}
