import Foundation

/// A GPT-2 folder with random weights (normal, std 0.02, as GPT-2's initialisation), for
/// benchmarks: shapes matter for speed, values do not.
public enum RandomModel {
    public static func write(config: GPT2Config, to folder: String, seed: UInt64 = 1) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var random = SeededRandom(seed: seed)
        let c = config.embedding, inner = config.inner
        var shapes: [(String, [Int])] = [("transformer.wte.weight", [config.vocabulary, c]), ("transformer.wpe.weight", [config.positions, c]),
                                         ("transformer.ln_f.weight", [c]), ("transformer.ln_f.bias", [c])]
        for i in 0..<config.layers {
            let p = "transformer.h.\(i)."
            shapes += [(p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]), (p + "attn.c_attn.weight", [c, 3 * c]),
                       (p + "attn.c_attn.bias", [3 * c]), (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                       (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]), (p + "mlp.c_fc.weight", [c, inner]),
                       (p + "mlp.c_fc.bias", [inner]), (p + "mlp.c_proj.weight", [inner, c]), (p + "mlp.c_proj.bias", [c])]
        }
        var storage = [[Float]]()
        for (name, shape) in shapes {
            let count = shape.reduce(1, *)
            if name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name.hasSuffix("ln_f.weight") {
                storage.append([Float](repeating: 1, count: count))
            } else if name.hasSuffix(".bias") {
                storage.append([Float](repeating: 0, count: count))
            } else {
                storage.append((0..<count).map { _ in Float(random.normal() * 0.02) })
            }
        }
        try withBuffers(storage) { buffers in
            try SafeTensorsWriter.write(zip(shapes, buffers).map { ($0.0, $0.1, $1) }, to: "\(folder)/model.safetensors")
        }
        try config.writeJSON(to: "\(folder)/config.json")
        // A byte-level tokenizer without merges: enough to load and decode; benchmarks feed ids.
        var vocabulary = [String: Int]()
        for byte in 0..<256 { vocabulary[String(Character(ByteUnicodeMap.scalarForByte[byte]))] = byte }
        vocabulary["<|endoftext|>"] = config.endOfTextID ?? 256
        try JSONSerialization.data(withJSONObject: vocabulary, options: [.sortedKeys]).write(to: URL(fileURLWithPath: "\(folder)/vocab.json"))
        try "#version: 0.2\n".write(toFile: "\(folder)/merges.txt", atomically: true, encoding: .utf8)
    }

    private static func withBuffers<R>(_ arrays: [[Float]], _ body: ([UnsafeBufferPointer<Float>]) throws -> R) rethrows -> R {
        var pointers = [UnsafeBufferPointer<Float>]()
        func recurse(_ index: Int) throws -> R {
            if index == arrays.count { return try body(pointers) }
            return try arrays[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer)
                defer { pointers.removeLast() }
                return try recurse(index + 1)
            }
        }
        return try recurse(0)
    }
}

extension SeededRandom {
    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
