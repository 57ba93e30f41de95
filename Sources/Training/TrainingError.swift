/// Why training cannot start or continue: one line that says what to change.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case badData(source: String, reason: String)
    case badSetting(String)
    case checkpoint(path: String, reason: String)
    case unsupportedModel(String)
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case .badData(let source, let reason): return "cannot train on \(source): \(reason)"
        case .badSetting(let message): return message
        case .checkpoint(let path, let reason): return "checkpoint \(path): \(reason)"
        case .unsupportedModel(let message): return message
        case .io(let path, let detail): return "\(path): \(detail)"
        }
    }
}
