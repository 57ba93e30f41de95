import CKernels
import Foundation
import TextGeneration

/// Softmax then cross-entropy against target ids, averaged over the N = B·T positions.
enum CrossEntropy {
    /// probs [N, V] = softmax(logits); losses [N] = −log probs[target]. Returns the mean loss.
    static func forward(losses: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                        targets: [Int], rows n: Int, vocabulary v: Int) -> Float {
        targets.withUnsafeBufferPointer { targets in
            ComputePool.forEachRange(n, grain: 4) { part in
                for r in part {
                    let z = logits + r * v, p = probs + r * v
                    var maximum = -Float.infinity
                    for j in 0..<v { maximum = max(maximum, z[j]) }
                    let sum = wf_exp_shifted_sum(z, maximum, p, v)
                    let inverse = 1 / sum
                    for j in 0..<v { p[j] *= inverse }
                    // −log p[target] from the logits directly: exact even when p[target] underflows.
                    losses[r] = logf(sum) + maximum - z[targets[r]]
                }
            }
        }
        var total = 0.0
        for r in 0..<n { total += Double(losses[r]) }
        return Float(total / Double(n))
    }

    /// dlogits [N, V] = (probs − onehot(target)) / N, the gradient of the mean loss
    /// (written, not added: nothing else feeds the logits).
    static func backward(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>, targets: [Int], rows n: Int, vocabulary v: Int) {
        let scale = 1 / Float(n)
        targets.withUnsafeBufferPointer { targets in
            ComputePool.forEachRange(n, grain: 4) { part in
                for r in part {
                    let p = probs + r * v, d = dlogits + r * v
                    for j in 0..<v { d[j] = p[j] * scale }
                    d[targets[r]] -= scale
                }
            }
        }
    }
}
