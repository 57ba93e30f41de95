import TextGeneration

/// Gradients of the loss with the parameters' layout, one float per parameter. Backward
/// passes add into it, which is what gradient accumulation over micro-batches needs.
public final class GPT2Gradients: @unchecked Sendable {
    public let layout: ParameterLayout
    /// `layout.count` floats.
    public let values: UnsafeMutablePointer<Float>
    public var count: Int { layout.count }

    public init(layout: ParameterLayout) {
        self.layout = layout
        values = .allocate(capacity: layout.count)
        values.initialize(repeating: 0, count: layout.count)
    }

    deinit { values.deallocate() }

    public subscript(slot: ParameterLayout.Slot) -> UnsafeMutablePointer<Float> { values + slot.offset }

    public func zero() {
        let values = values
        ComputePool.forEachRange(count, grain: 1 << 16) { part in (values + part.lowerBound).update(repeating: 0, count: part.count) }
    }

    /// Multiplies every gradient by `factor` (the 1/steps of accumulation, the clipping coefficient).
    public func scale(by factor: Float) {
        let values = values
        ComputePool.forEachRange(count, grain: 1 << 16) { part in for i in part { values[i] *= factor } }
    }

    /// √Σ g², accumulated in Double so the norm of millions of floats keeps its digits; each
    /// thread sums its own stretch and the partial sums are added in order.
    public func globalNorm() -> Double {
        let values = values, parts = ComputePool.ranges(count, grain: 1 << 16)
        var sums = [Double](repeating: 0, count: parts.count)
        sums.withUnsafeMutableBufferPointer { sums in
            ComputePool.forEachPart(parts.count) { index in
                var sum = 0.0
                for i in parts[index] { let g = Double(values[i]); sum += g * g }
                sums[index] = sum
            }
        }
        return sums.reduce(0, +).squareRoot()
    }

    /// Clips to `maxNorm` the way `torch.nn.utils.clip_grad_norm_` does: scales by
    /// min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping.
    @discardableResult
    public func clip(maxNorm: Double) -> Double {
        let norm = globalNorm()
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 { scale(by: Float(coefficient)) }
        return norm
    }
}
