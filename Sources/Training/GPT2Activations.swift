import TextGeneration

/// What the training forward pass keeps for the backward pass (N = B·T rows), plus the
/// backward pass's scratch. Buffers are allocated for the largest shape seen and reused for
/// smaller ones (a short last batch, validation), each kernel reading a prefix of them.
final class GPT2Activations {
    struct Layer {
        let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>   // [N, C], [N], [N]
        let qkv: UnsafeMutablePointer<Float>                      // [N, 3C]
        let attended: UnsafeMutablePointer<Float>                 // [N, C]
        let probs: UnsafeMutablePointer<Float>                    // [B, H, T, T]
        let residual2: UnsafeMutablePointer<Float>                // [N, C] after the attention block
        let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>   // [N, C], [N], [N]
        let fc: UnsafeMutablePointer<Float>                       // [N, 4C] before GELU
        let fcGelu: UnsafeMutablePointer<Float>                   // [N, 4C]
        let residual3: UnsafeMutablePointer<Float>                // [N, C] after the MLP block
    }

    /// The shape of the batch in the buffers now.
    var batch: Int, length: Int
    /// The shape allocated: rows N₀ = B₀·T₀ bound the [N, ·] buffers, N₀·T₀ the attention
    /// probabilities per head, T₀ the [T, T] scratch.
    let capacityRows: Int, capacityLength: Int
    let encoded: UnsafeMutablePointer<Float>                      // [N, C]
    let layers: [Layer]
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>       // [N, C], [N], [N]
    let logits, probs: UnsafeMutablePointer<Float>               // [N, V]
    let losses: UnsafeMutablePointer<Float>                       // [N]

    // Backward scratch.
    let dResidual, dNormed, dAttended: UnsafeMutablePointer<Float>  // [N, C]
    let dQKV: UnsafeMutablePointer<Float>                            // [N, 3C]
    let dFC, dFCGelu: UnsafeMutablePointer<Float>                    // [N, 4C]
    let dLogits: UnsafeMutablePointer<Float>                         // [N, V]
    let dScores: UnsafeMutablePointer<Float>                         // [B, H, T, T]

    private var owned: [UnsafeMutablePointer<Float>] = []

    init(config: GPT2Config, batch: Int, length: Int) {
        self.batch = batch
        self.length = length
        capacityRows = batch * length
        capacityLength = length
        let n = batch * length, c = config.embedding, inner = config.inner, v = config.vocabulary
        var owned = [UnsafeMutablePointer<Float>]()
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            owned.append(pointer)
            return pointer
        }
        encoded = buffer(n * c)
        layers = (0..<config.layers).map { _ in
            Layer(ln1: buffer(n * c), ln1Mean: buffer(n), ln1Rstd: buffer(n), qkv: buffer(n * 3 * c), attended: buffer(n * c),
                  probs: buffer(batch * config.heads * length * length), residual2: buffer(n * c),
                  ln2: buffer(n * c), ln2Mean: buffer(n), ln2Rstd: buffer(n), fc: buffer(n * inner), fcGelu: buffer(n * inner),
                  residual3: buffer(n * c))
        }
        lnf = buffer(n * c); lnfMean = buffer(n); lnfRstd = buffer(n)
        logits = buffer(n * v); probs = buffer(n * v); losses = buffer(n)
        dResidual = buffer(n * c); dNormed = buffer(n * c); dAttended = buffer(n * c)
        dQKV = buffer(n * 3 * c); dFC = buffer(n * inner); dFCGelu = buffer(n * inner)
        dLogits = buffer(n * v); dScores = buffer(batch * config.heads * length * length)
        self.owned = owned
    }

    /// Whether a batch [B, T] fits these buffers.
    func fits(batch: Int, length: Int) -> Bool {
        batch * length <= capacityRows && batch * length * length <= capacityRows * capacityLength && length <= capacityLength
    }

    deinit { for pointer in owned { pointer.deallocate() } }
}
