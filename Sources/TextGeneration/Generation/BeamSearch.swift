/// Beam search as `transformers` runs it (see `run`).
struct BeamSearch {
    let generator: Generator
    let settings: GenerationSettings

    func run(promptIDs: [Int], budget: Int) throws -> [GeneratedSequence] {
        throw GenerationError.invalidSetting("beam search is not implemented yet; use greedy decoding or sampling")
    }
}
