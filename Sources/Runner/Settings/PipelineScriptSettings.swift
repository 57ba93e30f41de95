import Foundation
import PythonSource
import Workflows

extension SettingsFileReader {
    /// The keyword arguments of the generator call that wf reads; anything else is an error.
    static let pipelineArguments: Set<String> = ["max_length", "max_new_tokens", "num_return_sequences", "temperature", "top_k", "top_p",
                                                 "do_sample", "repetition_penalty", "no_repeat_ngram_size", "num_beams"]

    static func pipelineScript(_ text: String, path: String) throws -> Read {
        let script: TextGenerationScript
        do { script = try TextGenerationScript.read(source: text, file: path) } catch {
            throw RunError.badSettings(file: "\(path):\(error.line)" + (error.column.map { ":\($0)" } ?? ""), detail: error.message)
        }
        var values = [String: Value]()
        var origins = [String: String]()
        func place<T>(_ sourced: Sourced<T>) -> String { "\(path):\(sourced.bindingLine ?? sourced.line)" }
        values["prompt"] = .literal(script.prompt.value)
        origins["prompt"] = place(script.prompt)
        if let model = script.model {
            values["model"] = .literal(model.value)
            origins["model"] = place(model)
        }
        if let seed = script.seed {
            values["seed"] = .literal("\(seed.value)")
            origins["seed"] = place(seed)
        }
        for (key, argument) in script.arguments.sorted(by: { $0.key < $1.key }) {
            guard pipelineArguments.contains(key) else {
                throw RunError.badSettings(file: "\(path):\(argument.line)", detail: "the generator's keyword argument \(key) is not one wf reads; it reads \(pipelineArguments.sorted().joined(separator: ", ")); remove it")
            }
            guard let text = argument.value.settingText else {
                throw RunError.badSettings(file: "\(path):\(argument.line)", detail: "\(key) must be a number, a string or True/False, not \(argument.value)")
            }
            values[key] = .literal(text)
            origins[key] = place(argument)
        }
        return Read(values: values, origins: origins, isPipelineScript: true)
    }
}


extension LiteralValue {
    /// A scalar as settings text; nil for containers and None.
    var settingText: String? {
        switch self {
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return "\(number)"
        case .float(let number): return "\(number)"
        case .string(let text): return text
        default: return nil
        }
    }
}
