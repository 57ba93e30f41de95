/// Token plus position embedding, the first layer of GPT-2.
enum Embedding {
    /// out [B·T, C] = wte[tokens[b, t]] + wpe[t], with `tokens` flat [B·T].
    static func forward(out: UnsafeMutablePointer<Float>, tokens: [Int], wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
                        batch: Int, length: Int, width c: Int) {
        for b in 0..<batch {
            for t in 0..<length {
                let row = out + (b * length + t) * c, token = wte + tokens[b * length + t] * c, place = wpe + t * c
                for i in 0..<c { row[i] = token[i] + place[i] }
            }
        }
    }

    /// dwte [V, C] and dwpe [P, C] += the rows of dout [B·T, C] each position read; a token
    /// seen twice gets both contributions.
    static func backward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                         tokens: [Int], batch: Int, length: Int, width c: Int) {
        for b in 0..<batch {
            for t in 0..<length {
                let row = dout + (b * length + t) * c, token = dwte + tokens[b * length + t] * c, place = dwpe + t * c
                for i in 0..<c { token[i] += row[i]; place[i] += row[i] }
            }
        }
    }
}
