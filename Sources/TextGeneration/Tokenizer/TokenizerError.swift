/// Why a tokenizer could not be loaded.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case missingFiles(folder: String)
    case invalid(file: String, detail: String)

    public var description: String {
        switch self {
        case .missingFiles(let folder):
            return "no tokenizer in \(folder): expected vocab.json and merges.txt, or tokenizer.json"
        case .invalid(let file, let detail):
            return "cannot read tokenizer file \(file): \(detail)"
        }
    }
}
