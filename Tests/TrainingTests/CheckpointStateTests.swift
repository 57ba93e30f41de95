import Foundation
import Testing
import TestSupport
@testable import Training

/// `training-state.json` is read from a folder a user names with `--resume`: its numbers size
/// loops (batches replayed, epochs left), so each is checked first; a negative step once
/// trapped (`0..<negative`).
struct CheckpointStateTests {
    @Test func craftedStepsAndEpochsAreErrorsNotCrashes() throws {
        let scratch = Scratch("wf-checkpoint-state")
        let folder = scratch("last")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var settings = TrainingSettings()
        settings.epochs = 2
        for (step, epoch) in [(-5, 0), (Int.max / 2, 0), (3, 9), (3, -1)] {
            let state = Checkpoint.State(epoch: epoch, step: step, validationLoss: 1, bestValidationLoss: 1, metrics: [], settings: settings)
            try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: "\(folder)/training-state.json"))
            #expect(throws: TrainingError.self, "step \(step), epoch \(epoch)") { try Checkpoint.state(in: folder) }
        }
        let fine = Checkpoint.State(epoch: 1, step: 3, validationLoss: 1, bestValidationLoss: 1, metrics: [], settings: settings)
        try JSONEncoder().encode(fine).write(to: URL(fileURLWithPath: "\(folder)/training-state.json"))
        #expect(try Checkpoint.state(in: folder) == fine)
    }
}
