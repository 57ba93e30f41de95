import ArgumentParser
import Foundation
import Runner

extension RuntimeChoice: ExpressibleByArgument {}
extension PullPolicy: ExpressibleByArgument {}

/// `--model ID=PATH`: a model id that settings name, mapped to a local model folder.
enum ModelMapping {
    static func parse(_ assignments: [String]) throws -> [String: String] {
        var models = [String: String]()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex, assignment.index(after: equals) != assignment.endIndex else {
                throw ValidationError("--model \(assignment): write ID=PATH, e.g. --model gpt2=./models/gpt2")
            }
            let id = String(assignment[..<equals])
            let path = URL(fileURLWithPath: (String(assignment[assignment.index(after: equals)...]) as NSString).expandingTildeInPath).standardized.path
            guard FileManager.default.fileExists(atPath: "\(path)/config.json") else {
                throw ValidationError("--model \(id)=\(path): that folder holds no model (no config.json); give a folder with config.json, model.safetensors and the tokenizer files")
            }
            models[id] = path
        }
        return models
    }
}
