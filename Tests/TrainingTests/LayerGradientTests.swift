import Testing
import TextGeneration
@testable import Training

/// Every layer's backward against central finite differences of its forward, on small random
/// shapes. Each loss is Σ out ⊙ w for a random w, so dout = w.
@Suite struct LayerGradientTests {
    /// Correct kernels measure 1e-6 to 1e-4; a wrong term gives errors of order 1.
    static let tolerance = 1e-3

    @Test func linearBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 1)
        let n = 5, ic = 4, oc = 6
        let inp = FloatBuffer(random: n * ic, random: &random), weight = FloatBuffer(random: ic * oc, random: &random)
        let bias = FloatBuffer(random: oc, random: &random), w = FloatBuffer(random: n * oc, random: &random)
        let out = FloatBuffer(n * oc)
        func loss() -> Double {
            Linear.forward(out: out.pointer, inp: inp.pointer, weight: weight.pointer, bias: bias.pointer, rows: n, inputs: ic, outputs: oc)
            return FiniteDifferences.dot(out, w)
        }
        let dinp = FloatBuffer(n * ic), dweight = FloatBuffer(ic * oc), dbias = FloatBuffer(oc)
        Linear.backward(dinp: dinp.pointer, dweight: dweight.pointer, dbias: dbias.pointer, dout: w.pointer, inp: inp.pointer,
                        weight: weight.pointer, rows: n, inputs: ic, outputs: oc)
        for (name, buffer, grad) in [("inp", inp, dinp), ("weight", weight, dweight), ("bias", bias, dbias)] {
            let error = FiniteDifferences.relativeError(buffer, analytic: grad.array, loss: loss)
            print("Linear d\(name): relative error \(error)")
            #expect(error < Self.tolerance, "Linear d\(name): \(error)")
        }
    }

    @Test func tiedHeadBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 2)
        let n = 5, c = 4, v = 7
        let inp = FloatBuffer(random: n * c, random: &random), weight = FloatBuffer(random: v * c, random: &random)
        let w = FloatBuffer(random: n * v, random: &random), out = FloatBuffer(n * v)
        func loss() -> Double {
            Linear.forwardTransposed(out: out.pointer, inp: inp.pointer, weight: weight.pointer, rows: n, inputs: c, outputs: v)
            return FiniteDifferences.dot(out, w)
        }
        let dinp = FloatBuffer(n * c), dweight = FloatBuffer(v * c)
        Linear.backwardTransposed(dinp: dinp.pointer, dweight: dweight.pointer, dout: w.pointer, inp: inp.pointer,
                                  weight: weight.pointer, rows: n, inputs: c, outputs: v)
        for (name, buffer, grad) in [("inp", inp, dinp), ("weight", weight, dweight)] {
            let error = FiniteDifferences.relativeError(buffer, analytic: grad.array, loss: loss)
            print("Tied head d\(name): relative error \(error)")
            #expect(error < Self.tolerance, "tied head d\(name): \(error)")
        }
    }

    @Test func layerNormBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 3)
        let n = 4, c = 8
        let inp = FloatBuffer(random: n * c, std: 2, mean: 0.5, random: &random)
        let weight = FloatBuffer(random: c, std: 0.5, mean: 1, random: &random), bias = FloatBuffer(random: c, random: &random)
        let w = FloatBuffer(random: n * c, random: &random)
        let out = FloatBuffer(n * c), mean = FloatBuffer(n), rstd = FloatBuffer(n)
        func loss() -> Double {
            LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: inp.pointer, weight: weight.pointer,
                              bias: bias.pointer, rows: n, width: c, epsilon: 1e-5)
            return FiniteDifferences.dot(out, w)
        }
        _ = loss()
        let dinp = FloatBuffer(n * c), dweight = FloatBuffer(c), dbias = FloatBuffer(c)
        LayerNorm.backward(dinp: dinp.pointer, dweight: dweight.pointer, dbias: dbias.pointer, dout: w.pointer, inp: inp.pointer,
                           weight: weight.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: n, width: c)
        for (name, buffer, grad) in [("inp", inp, dinp), ("weight", weight, dweight), ("bias", bias, dbias)] {
            let error = FiniteDifferences.relativeError(buffer, analytic: grad.array, loss: loss)
            print("LayerNorm d\(name): relative error \(error)")
            #expect(error < Self.tolerance, "LayerNorm d\(name): \(error)")
        }
    }

    @Test func geluBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 4)
        let n = 40
        let inp = FloatBuffer(random: n, std: 2, random: &random), w = FloatBuffer(random: n, random: &random), out = FloatBuffer(n)
        func loss() -> Double {
            GELU.forward(out: out.pointer, inp: inp.pointer, count: n)
            return FiniteDifferences.dot(out, w)
        }
        let dinp = FloatBuffer(n)
        GELU.backward(dinp: dinp.pointer, inp: inp.pointer, dout: w.pointer, count: n)
        let error = FiniteDifferences.relativeError(inp, analytic: dinp.array, h: 1e-3, loss: loss)
        print("GELU dinp: relative error \(error)")
        #expect(error < Self.tolerance)
    }

    @Test func attentionBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 5)
        let b = 2, t = 5, c = 6, heads = 2
        let qkv = FloatBuffer(random: b * t * 3 * c, random: &random), w = FloatBuffer(random: b * t * c, random: &random)
        let out = FloatBuffer(b * t * c), probs = FloatBuffer(b * heads * t * t)
        let scale = 1 / Float(c / heads).squareRoot()
        func loss() -> Double {
            Attention.forward(out: out.pointer, probs: probs.pointer, qkv: qkv.pointer, batch: b, length: t, width: c, heads: heads, scale: scale)
            return FiniteDifferences.dot(out, w)
        }
        _ = loss()
        let dqkv = FloatBuffer(b * t * 3 * c), scratch = FloatBuffer(b * heads * t * t)
        Attention.backward(dqkv: dqkv.pointer, dout: w.pointer, probs: probs.pointer, qkv: qkv.pointer, scratch: scratch.pointer,
                           batch: b, length: t, width: c, heads: heads, scale: scale)
        let error = FiniteDifferences.relativeError(qkv, analytic: dqkv.array, loss: loss)
        print("Attention dqkv: relative error \(error)")
        #expect(error < Self.tolerance)
        // Causality: the output at position 0 depends on position 0 only, so a loss on it alone
        // leaves every later position's q, k and v without gradient.
        let first = FloatBuffer(b * t * c)
        for s in 0..<b { for i in 0..<c { first[s * t * c + i] = 1 } }
        dqkv.zero()
        Attention.backward(dqkv: dqkv.pointer, dout: first.pointer, probs: probs.pointer, qkv: qkv.pointer, scratch: scratch.pointer,
                           batch: b, length: t, width: c, heads: heads, scale: scale)
        for s in 0..<b {
            #expect((0..<(3 * c)).contains { dqkv[s * t * 3 * c + $0] != 0 })
            #expect(((3 * c)..<(t * 3 * c)).allSatisfy { dqkv[s * t * 3 * c + $0] == 0 })
        }
    }

    @Test func embeddingBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 6)
        let b = 2, t = 3, c = 4, v = 5
        let tokens = [1, 3, 1, 4, 1, 0]  // token 1 three times: contributions must add
        let wte = FloatBuffer(random: v * c, random: &random), wpe = FloatBuffer(random: t * c, random: &random)
        let w = FloatBuffer(random: b * t * c, random: &random), out = FloatBuffer(b * t * c)
        func loss() -> Double {
            Embedding.forward(out: out.pointer, tokens: tokens, wte: wte.pointer, wpe: wpe.pointer, batch: b, length: t, width: c)
            return FiniteDifferences.dot(out, w)
        }
        let dwte = FloatBuffer(v * c), dwpe = FloatBuffer(t * c)
        Embedding.backward(dwte: dwte.pointer, dwpe: dwpe.pointer, dout: w.pointer, tokens: tokens, batch: b, length: t, width: c)
        for (name, buffer, grad) in [("wte", wte, dwte), ("wpe", wpe, dwpe)] {
            let error = FiniteDifferences.relativeError(buffer, analytic: grad.array, loss: loss)
            print("Embedding d\(name): relative error \(error)")
            #expect(error < Self.tolerance, "Embedding d\(name): \(error)")
        }
    }

    @Test func crossEntropyBackwardMatchesFiniteDifferences() {
        var random = SeededRandom(seed: 7)
        let n = 4, v = 6
        let targets = [0, 5, 2, 2]
        let logits = FloatBuffer(random: n * v, std: 2, random: &random)
        let probs = FloatBuffer(n * v), losses = FloatBuffer(n)
        func loss() -> Double {
            Double(CrossEntropy.forward(losses: losses.pointer, probs: probs.pointer, logits: logits.pointer, targets: targets, rows: n, vocabulary: v))
        }
        _ = loss()
        let dlogits = FloatBuffer(n * v)
        CrossEntropy.backward(dlogits: dlogits.pointer, probs: probs.pointer, targets: targets, rows: n, vocabulary: v)
        let error = FiniteDifferences.relativeError(logits, analytic: dlogits.array, loss: loss)
        print("CrossEntropy dlogits: relative error \(error)")
        #expect(error < Self.tolerance)
    }
}
