/// Why a model could not be loaded or run: one line, naming the file and tensor.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingFile(String)
    case invalidConfig(file: String, detail: String)
    case unsupported(file: String, detail: String)
    case corruptSafetensors(file: String, detail: String)
    case missingTensor(file: String, name: String)
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])
    case unsupportedDType(file: String, name: String, dtype: String)
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "model file \(path) is missing; a model folder needs config.json, model.safetensors (or its index) and tokenizer files"
        case .invalidConfig(let file, let detail):
            return "\(file): \(detail)"
        case .unsupported(let file, let detail):
            return "\(file): \(detail)"
        case .corruptSafetensors(let file, let detail):
            return "\(file) is not a valid safetensors file: \(detail)"
        case .missingTensor(let file, let name):
            return "\(file) has no tensor \(name)"
        case .shapeMismatch(let file, let name, let expected, let found):
            return "\(file): tensor \(name) has shape \(found) but config.json implies \(expected)"
        case .unsupportedDType(let file, let name, let dtype):
            return "\(file): tensor \(name) has dtype \(dtype); wf reads F32, F16 and BF16"
        case .io(let path, let detail):
            return "cannot read \(path): \(detail)"
        }
    }
}
