import Foundation

/// The learning rate at each optimizer step: a linear warm-up from peak/warmup to the peak,
/// then constant, linear decay or cosine decay to `minimum` at `totalSteps`. Warm-up keeps the
/// first updates small while AdamW's second moments are still poor estimates.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public enum Shape: String, Sendable, CaseIterable, Codable {
        case constant, linear, cosine
    }

    public var shape: Shape
    public var peak: Double
    public var minimum: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(_ shape: Shape, peak: Double, minimum: Double = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.shape = shape
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate of step `step`, counted from 0.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        guard shape != .constant else { return peak }
        let decaySteps = max(1, totalSteps - warmupSteps)
        let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
        switch shape {
        case .constant: return peak
        case .linear: return peak + (minimum - peak) * progress
        case .cosine: return minimum + 0.5 * (1 + cos(Double.pi * progress)) * (peak - minimum)
        }
    }
}
