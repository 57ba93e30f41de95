/// GPT-2's forward pass with a KV cache, batched over sequences. Shapes: B sequences, T new
/// positions each, P_b positions already cached for sequence b (each its own), C = embedding,
/// H heads of D = C / H, V vocabulary. Each row's arithmetic does not depend on the other rows
/// for B ≤ `MatrixMultiply.smallRows` (the streaming kernels accumulate every row in the same
/// order), which is what keeps a request's tokens the same whatever else is in a batch.
public final class GPT2Model: @unchecked Sendable {
    public let weights: GPT2Weights
    public var config: GPT2Config { weights.config }

    public init(weights: GPT2Weights) { self.weights = weights }

    public func makeCache(batch: Int, capacity: Int) -> KVCache {
        KVCache(config: config, batch: batch, capacity: min(capacity, config.positions))
    }

    /// Runs `tokens` ([B][T], equal lengths) after what `cache` holds and appends them to it.
    /// Sequence b lives in cache slot `slots[b]` (default: slot b, with B the cache's batch)
    /// and continues from that slot's own length.
    /// Returns logits [B, T, V] when `allPositions`, else [B, V] for each sequence's last position.
    public func forward(_ tokens: [[Int]], cache: KVCache, slots: [Int]? = nil, allPositions: Bool = false) -> [Float] {
        let b = tokens.count, t = tokens[0].count
        let slots = slots ?? Array(0..<b)
        let c = config.embedding, heads = config.heads, d = config.headSize, inner = config.inner, v = config.vocabulary
        precondition(slots.count == b && (slots.count == cache.batch || slots.allSatisfy { $0 < cache.batch }), "batch shape")
        precondition(tokens.allSatisfy { $0.count == t }, "batch shape")
        let starts = slots.map { cache.lengths[$0] }
        precondition(starts.allSatisfy { $0 + t <= cache.capacity }, "the context is full")
        let rows = b * t

        // x [B·T, C] = wte[token] + wpe[P + t]
        var x = [Float](repeating: 0, count: rows * c)
        x.withUnsafeMutableBufferPointer { x in
            for (sequence, ids) in tokens.enumerated() {
                for (position, id) in ids.enumerated() {
                    let row = x.baseAddress! + (sequence * t + position) * c
                    weights.tokenEmbedding.copyRow(id, into: row)
                    let place = weights.positionEmbedding.pointer + (starts[sequence] + position) * c
                    for i in 0..<c { row[i] += place[i] }
                }
            }
        }
        var normed = [Float](repeating: 0, count: rows * c)
        var qkv = [Float](repeating: 0, count: rows * 3 * c)
        var attended = [Float](repeating: 0, count: rows * c)
        var hidden = [Float](repeating: 0, count: rows * inner)
        var scores = [Float](repeating: 0, count: t * ((starts.max() ?? 0) + t))
        var scratch = [Float]()  // F16 weights widened for sgemm on prompts

        for (index, layer) in weights.layers.enumerated() {
            let keys = cache.keys[index], values = cache.values[index]
            x.withUnsafeMutableBufferPointer { x in
            normed.withUnsafeMutableBufferPointer { normed in
            qkv.withUnsafeMutableBufferPointer { qkv in
            attended.withUnsafeMutableBufferPointer { attended in
            hidden.withUnsafeMutableBufferPointer { hidden in
            scores.withUnsafeMutableBufferPointer { scores in
                let x = x.baseAddress!, normed = normed.baseAddress!, qkv = qkv.baseAddress!
                let attended = attended.baseAddress!, hidden = hidden.baseAddress!, scores = scores.baseAddress!

                // Attention block: qkv [B·T, 3C] = LN1(x) × W_attn [C, 3C] + b
                Kernels.layerNorm(x, rows: rows, width: c, weight: layer.ln1Weight, bias: layer.ln1Bias,
                                  epsilon: config.layerNormEpsilon, into: normed)
                MatrixMultiply.multiply(normed, rows: rows, ldx: c, by: layer.attentionWeight, into: qkv, ldy: 3 * c, scratch: &scratch)
                Kernels.addBias(qkv, rows: rows, width: 3 * c, bias: layer.attentionBias)
                // Append this step's keys and values to the cache: [B, capacity, C].
                for sequence in 0..<b {
                    for position in 0..<t {
                        let source = qkv + (sequence * t + position) * 3 * c
                        let slot = (slots[sequence] * cache.capacity + starts[sequence] + position) * c
                        (keys + slot).update(from: source + c, count: c)
                        (values + slot).update(from: source + 2 * c, count: c)
                    }
                }
                var scale = 1 / Float(d).squareRoot()
                if config.scaleAttentionByInverseLayerIndex { scale /= Float(index + 1) }
                for sequence in 0..<b {
                    let p = starts[sequence], span = p + t, slot = slots[sequence]
                    for head in 0..<heads {
                        let q = qkv + sequence * t * 3 * c + head * d                 // [T, D], row stride 3C
                        let k = keys + slot * cache.capacity * c + head * d           // [P+T, D], row stride C
                        let vv = values + slot * cache.capacity * c + head * d        // [P+T, D], row stride C
                        let out = attended + sequence * t * c + head * d              // [T, D], row stride C
                        if t == 1 {
                            // Decoding: one query; plain loops beat two tiny BLAS calls per head.
                            Kernels.attendOne(q, keys: k, values: vv, span: span, headSize: d, stride: c, scale: scale,
                                              scores: scores, into: out)
                            continue
                        }
                        // scores [T, P+T] = q × kᵀ · scale, then causal softmax
                        BLAS.gemm(m: t, n: span, k: d, alpha: scale, a: q, lda: 3 * c, b: k, ldb: c, transposeB: true,
                                  c: scores, ldc: span)
                        for row in 0..<t { Kernels.softmax(scores + row * span, valid: p + row + 1, width: span) }
                        // attended [T, D] (row stride C) = scores × v
                        BLAS.gemm(m: t, n: d, k: span, a: scores, lda: span, b: vv, ldb: c, c: out, ldc: c)
                    }
                }
                // x += attended × W_proj [C, C] + b
                MatrixMultiply.multiply(attended, rows: rows, ldx: c, by: layer.projectionWeight, into: normed, ldy: c, scratch: &scratch)
                Kernels.addBias(normed, rows: rows, width: c, bias: layer.projectionBias)
                Kernels.add(normed, into: x, count: rows * c)

                // MLP block: x += act(LN2(x) × W_fc [C, I] + b) × W_proj [I, C] + b
                Kernels.layerNorm(x, rows: rows, width: c, weight: layer.ln2Weight, bias: layer.ln2Bias,
                                  epsilon: config.layerNormEpsilon, into: normed)
                MatrixMultiply.multiply(normed, rows: rows, ldx: c, by: layer.fcWeight, into: hidden, ldy: inner, scratch: &scratch)
                Kernels.addBias(hidden, rows: rows, width: inner, bias: layer.fcBias)
                Kernels.activate(hidden, count: rows * inner, config.activation)
                MatrixMultiply.multiply(hidden, rows: rows, ldx: inner, by: layer.mlpProjectionWeight, into: normed, ldy: c, scratch: &scratch)
                Kernels.addBias(normed, rows: rows, width: c, bias: layer.mlpProjectionBias)
                Kernels.add(normed, into: x, count: rows * c)
            }}}}}}
        }
        for (slot, start) in zip(slots, starts) { cache.lengths[slot] = start + t }

        // Logits only where asked: [B·T, V] or [B, V] = LN_f(x) × headᵀ (head is [V, C]).
        let outputRows = allPositions ? rows : b
        var selected = [Float](repeating: 0, count: outputRows * c)
        x.withUnsafeBufferPointer { x in
            selected.withUnsafeMutableBufferPointer { selected in
                for row in 0..<outputRows {
                    let source = allPositions ? row : row * t + (t - 1)
                    Kernels.layerNorm(x.baseAddress! + source * c, rows: 1, width: c, weight: weights.finalNormWeight,
                                      bias: weights.finalNormBias, epsilon: config.layerNormEpsilon,
                                      into: selected.baseAddress! + row * c)
                }
            }
        }
        var logits = [Float](repeating: 0, count: outputRows * v)
        selected.withUnsafeBufferPointer { selected in
            logits.withUnsafeMutableBufferPointer { logits in
                MatrixMultiply.multiplyTransposed(selected.baseAddress!, rows: outputRows, ldx: c, by: weights.head,
                                                  into: logits.baseAddress!, ldy: v, scratch: &scratch)
            }
        }
        return logits
    }
}
