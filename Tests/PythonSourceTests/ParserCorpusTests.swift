import Foundation
import Testing
import PythonSource

/// Compares the parser with CPython 3.11 on the snippets of `scripts/make_python_fixtures.py`,
/// whose output (`Fixtures/python_corpus.json`) is committed: for valid snippets the whole tree
/// of each top-level statement with every statement's and expression's position, for invalid
/// ones the error's line, column and (where marked exact) message; for random mutations of the
/// tutorial script, CPython's verdict and the line of its error.
@Suite struct ParserCorpusTests {
    struct Corpus: Decodable {
        struct Valid: Decodable {
            var source: String
            var statements: [String]
        }

        struct Invalid: Decodable {
            var source: String
            var exactMessage: Bool
            var line: Int?
            var column: Int?
            var message: String
        }

        /// A mutation of the tutorial script: `statements` when CPython parses it, else the error.
        struct Mutation: Decodable {
            var source: String
            var statements: [String]?
            var line: Int?
            var message: String?
        }

        var python: String
        var valid: [Valid]
        var invalid: [Invalid]
        var mutations: [Mutation]
    }

    static let corpus = Result {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/python_corpus.json")
        return try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: path))
    }

    @Test func validSnippetsGiveCPythonsTrees() throws {
        let corpus = try Self.corpus.get()
        #expect(corpus.valid.count >= 200)
        for snippet in corpus.valid {
            do {
                let module = try Parser.parse(snippet.source, file: "snippet.py")
                #expect(module.body.map(ASTShape.statement) == snippet.statements, "\(snippet.source)")
            } catch {
                Issue.record("\(snippet.source.debugDescription) failed: \(error)")
            }
        }
    }

    @Test func invalidSnippetsFailWhereCPythonDoes() throws {
        let corpus = try Self.corpus.get()
        #expect(corpus.invalid.count >= 100)
        for snippet in corpus.invalid {
            do {
                let module = try Parser.parse(snippet.source, file: "snippet.py")
                Issue.record("\(snippet.source.debugDescription) parsed: \(module.body.map(ASTShape.statement))")
            } catch {
                if let line = snippet.line { #expect(error.line == line, "\(snippet.source.debugDescription): \(error)") }
                if let column = snippet.column, column > 0 {
                    #expect(error.column == column, "\(snippet.source.debugDescription): \(error)")
                }
                if snippet.exactMessage { #expect(error.message == snippet.message, "\(snippet.source.debugDescription)") }
            }
        }
    }

    @Test func mutationsOfTheTutorialGetCPythonsVerdict() throws {
        let corpus = try Self.corpus.get()
        #expect(corpus.mutations.count >= 200)
        var sameMessage = 0, errors = 0
        for mutation in corpus.mutations {
            do {
                let module = try Parser.parse(mutation.source, file: "mutation.py")
                #expect(module.body.map(ASTShape.statement) == mutation.statements, "\(mutation.source.debugDescription)")
            } catch {
                #expect(mutation.statements == nil, "\(mutation.source.debugDescription) failed: \(error)")
                #expect(error.line == mutation.line, "\(mutation.source.debugDescription): \(error) vs \(mutation.message ?? "")")
                errors += 1
                if error.message == mutation.message { sameMessage += 1 }
            }
        }
        // Messages follow CPython's wording where practical: nearly always, not always.
        #expect(sameMessage * 100 >= errors * 95)
    }
}
