import Foundation
import TextGeneration

/// A checkpoint is a Hugging Face folder (config.json, model.safetensors, tokenizer files)
/// that `wf generate` and `transformers` load as is, plus `training-state.json` for resuming.
/// It is written into a hidden sibling folder and renamed into place, so a crash mid-save
/// leaves the previous checkpoint, never a half-written one under the checkpoint's name.
public enum Checkpoint {
    public struct State: Codable, Sendable, Equatable {
        public var epoch: Int
        /// Optimizer steps taken (AdamW's t).
        public var step: Int
        public var validationLoss: Double
        public var bestValidationLoss: Double
        public var metrics: [EpochMetrics]
        public var settings: TrainingSettings
    }

    /// Writes the model, its tokenizer, the optimizer's moments (`optimizer.safetensors`) and `state`.
    public static func save(_ parameters: GPT2Parameters, optimizer: AdamW, tokenizerFolder: String, state: State, to folder: String) throws {
        let parent = (folder as NSString).deletingLastPathComponent
        let name = (folder as NSString).lastPathComponent
        let staging = "\(parent)/.\(name).partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try parameters.save(to: staging, tokenizerFolder: tokenizerFolder)
            try optimizer.save(to: "\(staging)/optimizer.safetensors")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: URL(fileURLWithPath: "\(staging)/training-state.json"))
            let old = "\(parent)/.\(name).old-\(getpid())"
            if FileManager.default.fileExists(atPath: folder) { try FileManager.default.moveItem(atPath: folder, toPath: old) }
            try FileManager.default.moveItem(atPath: staging, toPath: folder)
            try? FileManager.default.removeItem(atPath: old)
        } catch let error as TrainingError {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw TrainingError.checkpoint(path: folder, reason: "\(error)")
        }
    }

    public static func state(in folder: String) throws -> State {
        guard let data = FileManager.default.contents(atPath: "\(folder)/training-state.json") else {
            throw TrainingError.checkpoint(path: folder, reason: "it has no training-state.json; resume from a folder wf train wrote")
        }
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: data) } catch {
            throw TrainingError.checkpoint(path: folder, reason: "training-state.json cannot be read: \(error)")
        }
        // Resuming replays `step × accumulation` batches and loops from `epoch`: the numbers are
        // checked before they size a loop.
        do { try state.settings.validate() } catch {
            throw TrainingError.checkpoint(path: folder, reason: "training-state.json holds settings wf would refuse: \(error)")
        }
        let (replayed, overflow) = state.step.multipliedReportingOverflow(by: max(1, state.settings.gradientAccumulation))
        guard state.step >= 0, !overflow, replayed <= 1 << 40, state.epoch >= 0, state.epoch <= state.settings.epochs,
              state.metrics.count <= state.settings.epochs else {
            throw TrainingError.checkpoint(path: folder, reason: "training-state.json has step \(state.step), epoch \(state.epoch) and \(state.metrics.count) epochs of metrics, which no run of \(state.settings.epochs) epochs reaches; resume from a folder wf train wrote")
        }
        return state
    }
}
