import Foundation
import TextGeneration

/// All of GPT-2's parameters in one contiguous F32 buffer (see `ParameterLayout`), owned
/// and writable, unlike the inference engine's mapped `GPT2Weights`. One buffer keeps the
/// optimizer, clipping and checkpointing to single loops and single writes.
public final class GPT2Parameters: @unchecked Sendable {
    public let config: GPT2Config
    public let layout: ParameterLayout
    /// `layout.count` floats.
    public let values: UnsafeMutablePointer<Float>
    public var count: Int { layout.count }

    /// All zeros.
    public init(config: GPT2Config) throws {
        try GPT2Parameters.checkTrainable(config)
        self.config = config
        layout = ParameterLayout(config: config)
        values = .allocate(capacity: layout.count)
        values.initialize(repeating: 0, count: layout.count)
    }

    deinit { values.deallocate() }

    /// The view of one tensor.
    public subscript(slot: ParameterLayout.Slot) -> UnsafeMutablePointer<Float> { values + slot.offset }

    /// GPT-2's initialisation: matrices normal with std 0.02, the two residual projections
    /// of each layer scaled by 1/√(2·n_layer) so the residual stream's variance does not grow
    /// with depth, biases 0, layer-norm weights 1.
    public static func random(config: GPT2Config, seed: UInt64 = 1) throws -> GPT2Parameters {
        let parameters = try GPT2Parameters(config: config)
        var random = SeededRandom(seed: seed)
        let residualScale = 1 / (2 * Double(config.layers)).squareRoot()
        for slot in parameters.layout.slots {
            let target = parameters[slot]
            if slot.isMatrix {
                let isResidual = slot.name.hasSuffix("attn.c_proj.weight") || slot.name.hasSuffix("mlp.c_proj.weight")
                let std = 0.02 * (isResidual ? residualScale : 1)
                for i in 0..<slot.count { target[i] = Float(random.normal() * std) }
            } else if slot.name.hasSuffix("ln_1.weight") || slot.name.hasSuffix("ln_2.weight") || slot.name.hasSuffix("ln_f.weight") {
                target.update(repeating: 1, count: slot.count)
            }
        }
        return parameters
    }

    /// A writable copy of a loaded model's weights (F16 and BF16 widened to F32), to fine-tune it.
    public convenience init(weights: GPT2Weights) throws {
        try self.init(config: weights.config)
        func copy(_ tensor: Tensor, _ slot: ParameterLayout.Slot) {
            precondition(tensor.count == slot.count, "shape of \(slot.name)")
            self[slot].update(from: tensor.pointer, count: slot.count)
        }
        func copy(_ matrix: WeightMatrix, _ slot: ParameterLayout.Slot) {
            precondition(matrix.rows * matrix.columns == slot.count, "shape of \(slot.name)")
            let target = self[slot]
            switch matrix.storage {
            case .f32(let source): target.update(from: source, count: slot.count)
            case .f16(let source): for i in 0..<slot.count { target[i] = Float(Float16(bitPattern: source[i])) }
            }
        }
        copy(weights.tokenEmbedding, layout.tokenEmbedding)
        copy(weights.positionEmbedding, layout.positionEmbedding)
        for (layer, slots) in zip(weights.layers, layout.layers) {
            copy(layer.ln1Weight, slots.ln1Weight); copy(layer.ln1Bias, slots.ln1Bias)
            copy(layer.attentionWeight, slots.attentionWeight); copy(layer.attentionBias, slots.attentionBias)
            copy(layer.projectionWeight, slots.projectionWeight); copy(layer.projectionBias, slots.projectionBias)
            copy(layer.ln2Weight, slots.ln2Weight); copy(layer.ln2Bias, slots.ln2Bias)
            copy(layer.fcWeight, slots.fcWeight); copy(layer.fcBias, slots.fcBias)
            copy(layer.mlpProjectionWeight, slots.mlpProjectionWeight); copy(layer.mlpProjectionBias, slots.mlpProjectionBias)
        }
        copy(weights.finalNormWeight, layout.finalNormWeight)
        copy(weights.finalNormBias, layout.finalNormBias)
    }

    /// Loads a model folder (config.json + safetensors) for fine-tuning.
    public convenience init(folder: String) throws {
        let config = try GPT2Config.load(path: "\(folder)/config.json")
        try self.init(weights: try GPT2Weights(folder: folder, config: config, precision: .f32))
    }

    /// Writes a Hugging Face folder: config.json and model.safetensors with `transformer.`
    /// names and no `lm_head` (tied), which both `LoadedModel` and `transformers` load. The
    /// tokenizer files of `tokenizerFolder`, when given, are copied beside them so the folder
    /// is complete for `wf generate`.
    public func save(to folder: String, tokenizerFolder: String? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.io(path: folder, detail: "cannot create the folder")
        }
        let tensors = layout.slots.map { slot in
            (name: slot.name, shape: slot.shape, values: UnsafeBufferPointer(start: UnsafePointer(self[slot]), count: slot.count))
        }
        try SafeTensorsWriter.write(tensors, to: "\(folder)/model.safetensors")
        try config.writeJSON(to: "\(folder)/config.json")
        guard let tokenizerFolder else { return }
        for name in ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let source = "\(tokenizerFolder)/\(name)", target = "\(folder)/\(name)"
            guard FileManager.default.fileExists(atPath: source) else { continue }
            try? FileManager.default.removeItem(atPath: target)
            do { try FileManager.default.copyItem(atPath: source, toPath: target) } catch {
                throw TrainingError.io(path: target, detail: "cannot copy the tokenizer file")
            }
        }
    }

    /// Training implements tied heads and the tanh GELU only; other configs would train a
    /// different function from the one inference runs.
    static func checkTrainable(_ config: GPT2Config) throws {
        guard config.tiedEmbeddings else { throw TrainingError.unsupportedModel("untied lm_head is not supported; training ties the head to wte") }
        guard config.activation == .geluTanh else {
            throw TrainingError.unsupportedModel("activation \(config.activation.rawValue) is not supported; training uses the tanh GELU")
        }
    }
}
