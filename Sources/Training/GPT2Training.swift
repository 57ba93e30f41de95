import TextGeneration

/// GPT-2's training forward and backward passes over a batch [B, T] of token ids with
/// targets [B, T] (usually the inputs shifted by one). The forward pass keeps every
/// activation the backward pass needs; `backward` adds the gradients of the mean loss
/// into `gradients`, so several micro-batches accumulate before an optimizer step.
public final class GPT2Training: @unchecked Sendable {
    public let parameters: GPT2Parameters
    public let gradients: GPT2Gradients
    public var config: GPT2Config { parameters.config }

    private var activations: GPT2Activations?
    private var tokens: [Int] = [], targets: [Int] = []
    private var forwardDone = false

    public init(parameters: GPT2Parameters) {
        self.parameters = parameters
        gradients = GPT2Gradients(layout: parameters.layout)
    }

    /// Logits [B·T, V] of the last forward pass.
    public var logits: UnsafeBufferPointer<Float> {
        guard let activations else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: activations.logits, count: activations.batch * activations.length * config.vocabulary)
    }

    /// Runs the model on `inputs` [B][T] and returns the mean cross-entropy against `targets` [B][T].
    @discardableResult
    public func forward(inputs: [[Int]], targets: [[Int]]) throws -> Float {
        let b = inputs.count, t = inputs.first?.count ?? 0
        guard b > 0, t > 0, inputs.allSatisfy({ $0.count == t }) else { throw TrainingError.badData(source: "the batch", reason: "inputs must be B ≥ 1 sequences of one length T ≥ 1") }
        guard targets.count == b, targets.allSatisfy({ $0.count == t }) else { throw TrainingError.badData(source: "the batch", reason: "targets must have the inputs' shape [\(b), \(t)]") }
        guard t <= config.positions else { throw TrainingError.badData(source: "the batch", reason: "T = \(t) exceeds the model's \(config.positions) positions") }
        let v = config.vocabulary
        let flatInputs = inputs.flatMap { $0 }, flatTargets = targets.flatMap { $0 }
        if let bad = (flatInputs + flatTargets).first(where: { $0 < 0 || $0 >= v }) {
            throw TrainingError.badData(source: "the batch", reason: "token id \(bad) is outside the vocabulary of \(v)")
        }
        forwardDone = false
        tokens = flatInputs
        self.targets = flatTargets
        return forwardPass(batch: b, length: t)
    }

    private func forwardPass(batch b: Int, length t: Int) -> Float {
        if let activations, activations.fits(batch: b, length: t) {
            activations.batch = b
            activations.length = t
        } else {
            self.activations = GPT2Activations(config: config, batch: b, length: t)
        }
        let a = activations!, p = parameters, layout = parameters.layout
        let n = b * t, c = config.embedding, inner = config.inner, eps = config.layerNormEpsilon, v = config.vocabulary

        Embedding.forward(out: a.encoded, tokens: tokens, wte: p[layout.tokenEmbedding], wpe: p[layout.positionEmbedding],
                          batch: b, length: t, width: c)
        for (index, (slots, l)) in zip(layout.layers, a.layers).enumerated() {
            let residual = index == 0 ? a.encoded : a.layers[index - 1].residual3
            // Attention block: residual2 = residual + proj(attention(LN1(residual) × W_attn + b)).
            LayerNorm.forward(out: l.ln1, mean: l.ln1Mean, rstd: l.ln1Rstd, inp: residual, weight: p[slots.ln1Weight],
                              bias: p[slots.ln1Bias], rows: n, width: c, epsilon: eps)
            Linear.forward(out: l.qkv, inp: l.ln1, weight: p[slots.attentionWeight], bias: p[slots.attentionBias],
                           rows: n, inputs: c, outputs: 3 * c)
            Attention.forward(out: l.attended, probs: l.probs, qkv: l.qkv, batch: b, length: t, width: c, heads: config.heads,
                              scale: attentionScale(layer: index))
            Linear.forward(out: l.residual2, inp: l.attended, weight: p[slots.projectionWeight], bias: p[slots.projectionBias],
                           rows: n, inputs: c, outputs: c)
            addResidual(residual, into: l.residual2, count: n * c)
            // MLP block: residual3 = residual2 + GELU(LN2(residual2) × W_fc + b) × W_proj + b.
            LayerNorm.forward(out: l.ln2, mean: l.ln2Mean, rstd: l.ln2Rstd, inp: l.residual2, weight: p[slots.ln2Weight],
                              bias: p[slots.ln2Bias], rows: n, width: c, epsilon: eps)
            Linear.forward(out: l.fc, inp: l.ln2, weight: p[slots.fcWeight], bias: p[slots.fcBias], rows: n, inputs: c, outputs: inner)
            GELU.forward(out: l.fcGelu, inp: l.fc, count: n * inner)
            Linear.forward(out: l.residual3, inp: l.fcGelu, weight: p[slots.mlpProjectionWeight], bias: p[slots.mlpProjectionBias],
                           rows: n, inputs: inner, outputs: c)
            addResidual(l.residual2, into: l.residual3, count: n * c)
        }
        let last = a.layers.last?.residual3 ?? a.encoded
        LayerNorm.forward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: last, weight: p[layout.finalNormWeight],
                          bias: p[layout.finalNormBias], rows: n, width: c, epsilon: eps)
        Linear.forwardTransposed(out: a.logits, inp: a.lnf, weight: p[layout.tokenEmbedding], rows: n, inputs: c, outputs: v)
        forwardDone = true
        return CrossEntropy.forward(losses: a.losses, probs: a.probs, logits: a.logits, targets: self.targets, rows: n, vocabulary: v)
    }

    /// Adds the gradients of the last forward pass's mean loss into `gradients`.
    public func backward() {
        precondition(forwardDone, "backward needs a forward pass first")
        backwardPass()
    }

    private func backwardPass() {
        let a = activations!, p = parameters, g = gradients, layout = parameters.layout
        let b = a.batch, t = a.length, n = b * t, c = config.embedding, inner = config.inner, v = config.vocabulary

        CrossEntropy.backward(dlogits: a.dLogits, probs: a.probs, targets: targets, rows: n, vocabulary: v)
        a.dNormed.update(repeating: 0, count: n * c)
        Linear.backwardTransposed(dinp: a.dNormed, dweight: g[layout.tokenEmbedding], dout: a.dLogits, inp: a.lnf,
                                  weight: p[layout.tokenEmbedding], rows: n, inputs: c, outputs: v)
        // dResidual: the gradient flowing along the residual stream, from the top down.
        a.dResidual.update(repeating: 0, count: n * c)
        let last = a.layers.last?.residual3 ?? a.encoded
        LayerNorm.backward(dinp: a.dResidual, dweight: g[layout.finalNormWeight], dbias: g[layout.finalNormBias], dout: a.dNormed,
                           inp: last, weight: p[layout.finalNormWeight], mean: a.lnfMean, rstd: a.lnfRstd, rows: n, width: c)
        for index in stride(from: config.layers - 1, through: 0, by: -1) {
            let slots = layout.layers[index], l = a.layers[index]
            let residual = index == 0 ? a.encoded : a.layers[index - 1].residual3
            // MLP block; dResidual is d(residual3) and becomes d(residual2).
            a.dFCGelu.update(repeating: 0, count: n * inner)
            Linear.backward(dinp: a.dFCGelu, dweight: g[slots.mlpProjectionWeight], dbias: g[slots.mlpProjectionBias],
                            dout: a.dResidual, inp: l.fcGelu, weight: p[slots.mlpProjectionWeight], rows: n, inputs: inner, outputs: c)
            a.dFC.update(repeating: 0, count: n * inner)
            GELU.backward(dinp: a.dFC, inp: l.fc, dout: a.dFCGelu, count: n * inner)
            a.dNormed.update(repeating: 0, count: n * c)
            Linear.backward(dinp: a.dNormed, dweight: g[slots.fcWeight], dbias: g[slots.fcBias], dout: a.dFC, inp: l.ln2,
                            weight: p[slots.fcWeight], rows: n, inputs: c, outputs: inner)
            LayerNorm.backward(dinp: a.dResidual, dweight: g[slots.ln2Weight], dbias: g[slots.ln2Bias], dout: a.dNormed,
                               inp: l.residual2, weight: p[slots.ln2Weight], mean: l.ln2Mean, rstd: l.ln2Rstd, rows: n, width: c)
            // Attention block; dResidual becomes d(residual), the layer's input.
            a.dAttended.update(repeating: 0, count: n * c)
            Linear.backward(dinp: a.dAttended, dweight: g[slots.projectionWeight], dbias: g[slots.projectionBias],
                            dout: a.dResidual, inp: l.attended, weight: p[slots.projectionWeight], rows: n, inputs: c, outputs: c)
            a.dQKV.update(repeating: 0, count: n * 3 * c)
            Attention.backward(dqkv: a.dQKV, dout: a.dAttended, probs: l.probs, qkv: l.qkv, scratch: a.dScores,
                               batch: b, length: t, width: c, heads: config.heads, scale: attentionScale(layer: index))
            a.dNormed.update(repeating: 0, count: n * c)
            Linear.backward(dinp: a.dNormed, dweight: g[slots.attentionWeight], dbias: g[slots.attentionBias], dout: a.dQKV,
                            inp: l.ln1, weight: p[slots.attentionWeight], rows: n, inputs: c, outputs: 3 * c)
            LayerNorm.backward(dinp: a.dResidual, dweight: g[slots.ln1Weight], dbias: g[slots.ln1Bias], dout: a.dNormed,
                               inp: residual, weight: p[slots.ln1Weight], mean: l.ln1Mean, rstd: l.ln1Rstd, rows: n, width: c)
        }
        Embedding.backward(dwte: g[layout.tokenEmbedding], dwpe: g[layout.positionEmbedding], dout: a.dResidual, tokens: tokens,
                           batch: b, length: t, width: c)
    }

    /// y [N] += x [N], the residual connections.
    private func addResidual(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        ComputePool.forEachRange(count, grain: 4096) { part in for i in part { y[i] += x[i] } }
    }

    /// 1/√D, divided by the layer number when the config asks (`scale_attn_by_inverse_layer_idx`).
    private func attentionScale(layer: Int) -> Float {
        var scale = 1 / Float(config.headSize).squareRoot()
        if config.scaleAttentionByInverseLayerIndex { scale /= Float(layer + 1) }
        return scale
    }
}
