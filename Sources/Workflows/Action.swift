/// The actions (`uses:`) that real Gradient files name, with the `with:` keys each takes.
public enum Action: String, Sendable, CaseIterable {
    case gitCheckout = "git-checkout@v1"
    case script = "script@v1"
    case container = "container@v1"
    case createModel = "create-model@v1"
    case s3Download = "s3-download@v1"
    /// wf's own in-process steps.
    case textGeneration = "text-generation@v1"
    case train = "train@v1"

    public var allowedKeys: Set<String> {
        switch self {
        case .gitCheckout: return ["url", "ref", "username", "password"]
        case .script: return ["script", "image"]
        case .container: return ["image", "args", "command"]
        case .createModel: return ["name", "type"]
        case .s3Download: return ["url", "path", "region", "endpoint", "access-key", "secret-access-key", "accessKey", "secretAccessKey"]
        case .textGeneration: return ["settings", "model", "prompt", "seed", "max_length", "max_new_tokens", "num_return_sequences",
                                      "temperature", "top_k", "top_p", "repetition_penalty", "do_sample", "no_repeat_ngram_size", "num_beams"]
        case .train: return ["data", "from", "epochs", "batch_size", "context", "learning_rate", "layers", "heads", "embedding",
                             "vocab_size", "validation_fraction", "seed"]
        }
    }

    public var requiredKeys: Set<String> {
        switch self {
        case .script: return ["script"]
        case .container: return ["image"]
        case .createModel: return ["name", "type"]
        case .s3Download: return ["url"]
        default: return []
        }
    }
}
