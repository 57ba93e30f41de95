import TextGeneration

/// Where each GPT-2 tensor lives in one flat F32 buffer. Parameters, gradients and AdamW's
/// moments share this layout, so the optimizer and gradient clipping are single loops over
/// the buffer, and the names are the Hugging Face ones (`transformer.h.0.attn.c_attn.weight`).
/// Conv1D weights keep Hugging Face's [in, out] layout; the head is tied to `wte`.
public struct ParameterLayout: Sendable {
    /// One named tensor: `count` floats from `offset`.
    public struct Slot: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Matrices (embeddings and Conv1D weights) take weight decay; biases and LN do not.
        public var isMatrix: Bool { shape.count == 2 }
    }

    public struct Layer: Sendable {
        public let ln1Weight, ln1Bias: Slot                    // [C]
        public let attentionWeight, attentionBias: Slot        // [C, 3C], [3C]
        public let projectionWeight, projectionBias: Slot      // [C, C], [C]
        public let ln2Weight, ln2Bias: Slot                    // [C]
        public let fcWeight, fcBias: Slot                      // [C, 4C], [4C]
        public let mlpProjectionWeight, mlpProjectionBias: Slot  // [4C, C], [C]
    }

    public let tokenEmbedding: Slot     // wte [V, C], also the head
    public let positionEmbedding: Slot  // wpe [P, C]
    public let layers: [Layer]
    public let finalNormWeight, finalNormBias: Slot  // [C]
    /// Every slot, in buffer order.
    public let slots: [Slot]
    /// Floats in the whole buffer.
    public let count: Int

    public init(config: GPT2Config) {
        var slots = [Slot]()
        var offset = 0
        func slot(_ name: String, _ shape: [Int]) -> Slot {
            let made = Slot(name: "transformer." + name, shape: shape, offset: offset)
            offset += made.count
            slots.append(made)
            return made
        }
        let c = config.embedding, inner = config.inner
        tokenEmbedding = slot("wte.weight", [config.vocabulary, c])
        positionEmbedding = slot("wpe.weight", [config.positions, c])
        var layers = [Layer]()
        for i in 0..<config.layers {
            let p = "h.\(i)."
            layers.append(Layer(
                ln1Weight: slot(p + "ln_1.weight", [c]), ln1Bias: slot(p + "ln_1.bias", [c]),
                attentionWeight: slot(p + "attn.c_attn.weight", [c, 3 * c]), attentionBias: slot(p + "attn.c_attn.bias", [3 * c]),
                projectionWeight: slot(p + "attn.c_proj.weight", [c, c]), projectionBias: slot(p + "attn.c_proj.bias", [c]),
                ln2Weight: slot(p + "ln_2.weight", [c]), ln2Bias: slot(p + "ln_2.bias", [c]),
                fcWeight: slot(p + "mlp.c_fc.weight", [c, inner]), fcBias: slot(p + "mlp.c_fc.bias", [inner]),
                mlpProjectionWeight: slot(p + "mlp.c_proj.weight", [inner, c]), mlpProjectionBias: slot(p + "mlp.c_proj.bias", [c])))
        }
        self.layers = layers
        finalNormWeight = slot("ln_f.weight", [c])
        finalNormBias = slot("ln_f.bias", [c])
        self.slots = slots
        count = offset
    }

    /// The slot named `name` (with or without `transformer.`), if any.
    public func slot(named name: String) -> Slot? {
        let full = name.hasPrefix("transformer.") ? name : "transformer." + name
        return slots.first { $0.name == full }
    }
}
