import Foundation

/// Softmax then cross-entropy against target ids, averaged over the N = B·T positions.
enum CrossEntropy {
    /// probs [N, V] = softmax(logits); losses [N] = −log probs[target]. Returns the mean loss.
    static func forward(losses: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                        targets: [Int], rows n: Int, vocabulary v: Int) -> Float {
        var total = 0.0
        for r in 0..<n {
            let z = logits + r * v, p = probs + r * v
            var maximum = -Float.infinity
            for j in 0..<v { maximum = max(maximum, z[j]) }
            var sum: Float = 0
            for j in 0..<v { let e = expf(z[j] - maximum); p[j] = e; sum += e }
            let inverse = 1 / sum
            for j in 0..<v { p[j] *= inverse }
            // −log p[target] from the logits directly: exact even when p[target] underflows.
            losses[r] = logf(sum) + maximum - z[targets[r]]
            total += Double(losses[r])
        }
        return Float(total / Double(n))
    }

    /// dlogits [N, V] = (probs − onehot(target)) / N, the gradient of the mean loss
    /// (written, not added: nothing else feeds the logits).
    static func backward(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>, targets: [Int], rows n: Int, vocabulary v: Int) {
        let scale = 1 / Float(n)
        for r in 0..<n {
            let p = probs + r * v, d = dlogits + r * v
            for j in 0..<v { d[j] = p[j] * scale }
            d[targets[r]] -= scale
        }
    }
}
