import Foundation
import TextGeneration

/// AdamW as PyTorch's `torch.optim.AdamW`: decoupled weight decay (p ← p − lr·λ·p before the
/// Adam step), bias-corrected moments, eps added to √v̂. Decay applies to the 2-D tensors
/// (embeddings and Conv1D weights) only, as GPT-2 recipes build their two parameter groups;
/// biases and layer-norm parameters are left undecayed.
public final class AdamW: @unchecked Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    /// Steps taken so far (the t of the bias corrections).
    public private(set) var step = 0

    let layout: ParameterLayout
    /// First and second moments, one float per parameter.
    let m, v: UnsafeMutablePointer<Float>

    public init(layout: ParameterLayout, weightDecay: Float = 0.1) {
        self.layout = layout
        self.weightDecay = weightDecay
        m = .allocate(capacity: layout.count)
        m.initialize(repeating: 0, count: layout.count)
        v = .allocate(capacity: layout.count)
        v.initialize(repeating: 0, count: layout.count)
    }

    deinit { m.deallocate(); v.deallocate() }

    /// One update of `parameters` from `gradients` at `learningRate`.
    public func update(_ parameters: GPT2Parameters, gradients: GPT2Gradients, learningRate: Float) {
        precondition(parameters.count == layout.count && gradients.count == layout.count, "layout")
        step += 1
        // The scalar factors in Double, as PyTorch computes them in Python floats.
        let correction1 = 1 - pow(Double(beta1), Double(step))
        let correction2Root = (1 - pow(Double(beta2), Double(step))).squareRoot()
        let stepSize = Float(Double(learningRate) / correction1)
        let b1 = beta1, b2 = beta2, eps = epsilon, m = m, v = v
        // Every thread takes the same share of every tensor, so one dispatch covers the lot.
        let threads = ComputePool.ranges(layout.count, grain: 1 << 16).count
        ComputePool.forEachPart(threads) { thread in
            for slot in layout.slots {
                let share = (slot.count + threads - 1) / threads
                let start = min(slot.count, thread * share), end = min(slot.count, start + share)
                let p = parameters[slot], g = gradients[slot], m = m + slot.offset, v = v + slot.offset
                let decay = slot.isMatrix ? 1 - learningRate * weightDecay : 1
                for i in start..<end {
                    let gradient = g[i]
                    m[i] = b1 * m[i] + (1 - b1) * gradient
                    v[i] = b2 * v[i] + (1 - b2) * gradient * gradient
                    let denominator = Float(Double(v[i].squareRoot()) / correction2Root) + eps
                    p[i] = p[i] * decay - stepSize * m[i] / denominator
                }
            }
        }
    }

    /// Saves the moments (the step goes in the checkpoint's state) as `optimizer.safetensors`.
    func save(to path: String) throws {
        try SafeTensorsWriter.write([(name: "adamw.m", shape: [layout.count], values: UnsafeBufferPointer(start: UnsafePointer(m), count: layout.count)),
                                     (name: "adamw.v", shape: [layout.count], values: UnsafeBufferPointer(start: UnsafePointer(v), count: layout.count))],
                                    to: path)
    }

    /// Restores the moments and step saved by `save`, so a resumed run continues exactly.
    func restore(from path: String, step: Int) throws {
        let first = try SafeTensorsReader.floats(path, tensor: "adamw.m"), second = try SafeTensorsReader.floats(path, tensor: "adamw.v")
        guard first.count == layout.count, second.count == layout.count else {
            throw TrainingError.checkpoint(path: path, reason: "its optimizer state has \(first.count) values but the model has \(layout.count) parameters")
        }
        m.update(from: first, count: layout.count)
        v.update(from: second, count: layout.count)
        self.step = step
    }
}
