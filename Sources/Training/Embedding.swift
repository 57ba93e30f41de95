import TextGeneration

/// Token plus position embedding, the first layer of GPT-2.
enum Embedding {
    /// out [B·T, C] = wte[tokens[b, t]] + wpe[t], with `tokens` flat [B·T].
    static func forward(out: UnsafeMutablePointer<Float>, tokens: [Int], wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
                        batch: Int, length: Int, width c: Int) {
        tokens.withUnsafeBufferPointer { tokens in
            ComputePool.forEachRange(batch * length, grain: 64) { part in
                for r in part {
                    let row = out + r * c, token = wte + tokens[r] * c, place = wpe + (r % length) * c
                    for i in 0..<c { row[i] = token[i] + place[i] }
                }
            }
        }
    }

    /// dwte [V, C] and dwpe [P, C] += the rows of dout [B·T, C] each position read; a token
    /// seen twice gets both contributions. Threads split the channels, not the rows, so no
    /// two threads ever add into the same gradient row element.
    static func backward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         tokens: [Int], batch: Int, length: Int, width c: Int) {
        tokens.withUnsafeBufferPointer { tokens in
            ComputePool.forEachRange(c, grain: 32, alignment: 16) { channels in
                for r in 0..<(batch * length) {
                    let row = dout + r * c, token = dwte + tokens[r] * c, place = dwpe + (r % length) * c
                    for i in channels { token[i] += row[i]; place[i] += row[i] }
                }
            }
        }
    }
}
