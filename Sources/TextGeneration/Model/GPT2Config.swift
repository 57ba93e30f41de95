import Foundation

/// The fields of a Hugging Face GPT-2 `config.json` that the forward pass needs.
public struct GPT2Config: Sendable, Equatable, Codable {
    public var layers: Int
    public var heads: Int
    public var embedding: Int
    public var positions: Int
    public var vocabulary: Int
    /// Width of the MLP's hidden layer (`n_inner`, default 4 × embedding).
    public var inner: Int
    public var layerNormEpsilon: Float
    public var activation: Activation
    public var tiedEmbeddings: Bool
    public var scaleAttentionByInverseLayerIndex: Bool
    public var endOfTextID: Int?

    public enum Activation: String, Sendable, Codable {
        /// tanh approximation (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`)
        case geluTanh
        /// exact, with erf (`gelu`)
        case geluExact
        case relu
    }

    public var headSize: Int { embedding / heads }

    public init(layers: Int, heads: Int, embedding: Int, positions: Int, vocabulary: Int, inner: Int? = nil,
                layerNormEpsilon: Float = 1e-5, activation: Activation = .geluTanh, tiedEmbeddings: Bool = true,
                scaleAttentionByInverseLayerIndex: Bool = false, endOfTextID: Int? = nil) {
        self.layers = layers
        self.heads = heads
        self.embedding = embedding
        self.positions = positions
        self.vocabulary = vocabulary
        self.inner = inner ?? embedding.multipliedReportingOverflow(by: 4).partialValue
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
        self.tiedEmbeddings = tiedEmbeddings
        self.scaleAttentionByInverseLayerIndex = scaleAttentionByInverseLayerIndex
        self.endOfTextID = endOfTextID
    }

    /// GPT-2 124M: 12 layers, 12 heads, 768 wide, 1024 positions, 50257 tokens.
    public static let gpt2Small = GPT2Config(layers: 12, heads: 12, embedding: 768, positions: 1024, vocabulary: 50257, endOfTextID: 50256)

    /// Reads `config.json`, rejecting architectures and options the engine does not implement.
    public static func load(path: String) throws -> GPT2Config {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError.missingFile(path) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.invalidConfig(file: path, detail: "it is not a JSON object")
        }
        func integer(_ keys: String...) throws -> Int {
            for key in keys { if let value = object[key] as? Int { return value } }
            throw ModelError.invalidConfig(file: path, detail: "missing integer key \(keys[0])")
        }
        let modelType = object["model_type"] as? String ?? "gpt2"
        guard modelType == "gpt2" else {
            throw ModelError.unsupported(file: path, detail: "model_type \(modelType) is not supported; wf runs GPT-2 models")
        }
        if let architectures = object["architectures"] as? [String],
           let unknown = architectures.first(where: { !["GPT2LMHeadModel", "GPT2Model"].contains($0) }) {
            throw ModelError.unsupported(file: path, detail: "architecture \(unknown) is not supported; wf runs GPT2LMHeadModel")
        }
        let activationName = object["activation_function"] as? String ?? "gelu_new"
        let activation: Activation
        switch activationName {
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": activation = .geluTanh
        case "gelu": activation = .geluExact
        case "relu": activation = .relu
        default: throw ModelError.unsupported(file: path, detail: "activation_function \(activationName) is not supported")
        }
        if object["reorder_and_upcast_attn"] as? Bool == true || object["scale_attn_weights"] as? Bool == false {
            throw ModelError.unsupported(file: path, detail: "reorder_and_upcast_attn and unscaled attention are not supported")
        }
        let config = GPT2Config(
            layers: try integer("n_layer", "num_hidden_layers"), heads: try integer("n_head", "num_attention_heads"),
            embedding: try integer("n_embd", "hidden_size"), positions: try integer("n_positions", "n_ctx"),
            vocabulary: try integer("vocab_size"), inner: object["n_inner"] as? Int,
            layerNormEpsilon: Float(object["layer_norm_epsilon"] as? Double ?? 1e-5), activation: activation,
            tiedEmbeddings: object["tie_word_embeddings"] as? Bool ?? true,
            scaleAttentionByInverseLayerIndex: object["scale_attn_by_inverse_layer_idx"] as? Bool ?? false,
            endOfTextID: object["eos_token_id"] as? Int)
        // Every product of these sizes (weight shapes, caches) must fit an Int: bounds far above
        // any GPT-2 (the largest has 48 layers, 1,600 wide, 1,024 positions, 50,257 tokens).
        for (key, value, limit) in [("n_layer", config.layers, 1024), ("n_head", config.heads, 1024), ("n_embd", config.embedding, 1 << 16),
                                    ("n_positions", config.positions, 1 << 20), ("vocab_size", config.vocabulary, 10_000_000),
                                    ("n_inner", config.inner, 1 << 18)] where value > limit {
            throw ModelError.invalidConfig(file: path, detail: "\(key) is \(value), over wf's limit of \(limit)")
        }
        guard config.layers > 0, config.heads > 0, config.embedding > 0, config.embedding % config.heads == 0,
              config.positions > 0, config.vocabulary > 0, config.inner > 0 else {
            throw ModelError.invalidConfig(file: path, detail: "n_embd must be a positive multiple of n_head, and sizes positive")
        }
        return config
    }

    /// Writes a Hugging Face `config.json` that `load(path:)` and `transformers` both read; shared by
    /// `RandomModel` and training checkpoints so a saved folder always describes its weights the same way.
    public func writeJSON(to path: String) throws {
        let activationName: String
        switch activation {
        case .geluTanh: activationName = "gelu_new"
        case .geluExact: activationName = "gelu"
        case .relu: activationName = "relu"
        }
        var json: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": layers, "n_head": heads,
            "n_embd": embedding, "n_positions": positions, "n_ctx": positions, "vocab_size": vocabulary,
            "layer_norm_epsilon": Double(layerNormEpsilon), "activation_function": activationName,
            "bos_token_id": endOfTextID ?? 0, "eos_token_id": endOfTextID ?? 0,
        ]
        if inner != 4 * embedding { json["n_inner"] = inner }
        if !tiedEmbeddings { json["tie_word_embeddings"] = false }
        if scaleAttentionByInverseLayerIndex { json["scale_attn_by_inverse_layer_idx"] = true }
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path))
    }
}
