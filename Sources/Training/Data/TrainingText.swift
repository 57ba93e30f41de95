import Foundation
import TextGeneration

/// The text a model trains on, checked before any work: not empty, not binary, and long
/// enough that both the training and the validation part hold a context window.
/// The validation part is the last `validationFraction` of the characters, as nanoGPT splits.
public struct TrainingText: Sendable {
    public let source: String
    public let training: String
    public let validation: String

    public init(text: String, source: String, validationFraction: Double) throws {
        guard !text.isEmpty else { throw TrainingError.badData(source: source, reason: "it is empty") }
        guard validationFraction > 0 && validationFraction < 1 else {
            throw TrainingError.badSetting("the validation fraction must be between 0 and 1 (exclusive), not \(validationFraction)")
        }
        let characters = Array(text)
        let split = Int((Double(characters.count) * (1 - validationFraction)).rounded())
        guard split > 0 && split < characters.count else {
            throw TrainingError.badSetting("a validation fraction of \(validationFraction) leaves nothing to train or validate on in \(characters.count) characters")
        }
        self.source = source
        training = String(characters[..<split])
        validation = String(characters[split...])
    }

    /// Reads a UTF-8 text file, rejecting binary files (NUL bytes or invalid UTF-8).
    public static func read(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badData(source: path, reason: "it does not exist or cannot be read")
        }
        let bytes = [UInt8](data)
        if let nul = bytes.firstIndex(of: 0) {
            throw TrainingError.badData(source: path, reason: "it looks binary (a NUL byte at offset \(nul)); give a UTF-8 text file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TrainingError.badData(source: path, reason: "it is not valid UTF-8 text")
        }
        return text
    }

    /// Both parts as token ids, each at least one context window plus one token long.
    public func tokenize(with tokenizer: BPETokenizer, context: Int) throws -> (training: [Int], validation: [Int]) {
        let trainingIDs = tokenizer.encode(training), validationIDs = tokenizer.encode(validation)
        for (name, ids) in [("training", trainingIDs), ("validation", validationIDs)] where ids.count < context + 1 {
            throw TrainingError.badData(source: source, reason: "its \(name) part is \(ids.count) tokens, shorter than one context window of \(context) + 1; give more text, a smaller --context or another --validation-fraction")
        }
        return (trainingIDs, validationIDs)
    }
}
