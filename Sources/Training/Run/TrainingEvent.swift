/// What a training run reports as it goes.
public enum TrainingEvent: Sendable {
    case preparing(String)
    case progress(step: Int, totalSteps: Int, loss: Float, tokensPerSecond: Double, secondsLeft: Double)
    case epochFinished(EpochMetrics, sample: String)
    case checkpointSaved(path: String, best: Bool)
}
