#if canImport(Glibc)
import Glibc
#endif

/// Beam search exactly as `transformers` 5 runs it (`GenerationMixin._beam_search`), for one
/// prompt. Each step: log-softmax, the logits processors, plus the running beam scores;
/// keep the best 2·beams candidates over beams × vocabulary; the best `beams` candidates
/// that did not stop keep running, and candidates among the top `beams` that stopped (end
/// of text, or the length limit) compete for the `beams` finished slots with their score
/// divided by (new tokens) ^ length_penalty. `early_stopping` decides when to stop looking.
struct BeamSearch {
    let generator: Generator
    let settings: GenerationSettings

    /// transformers marks impossible candidates by adding −1e9 in float32; so does this.
    private static let excluded: Float = -1.0e9

    private struct Slot {
        var tokens: [Int]
        var score: Float
        var finished: Bool
    }

    private struct Candidate {
        var beam: Int
        var token: Int
        var score: Float
        var tokens: [Int]
        var stops: Bool
    }

    func run(promptIDs: [Int], budget: Int) throws -> [GeneratedSequence] {
        let model = generator.model
        let beams = settings.numBeams, keep = 2 * beams, vocabulary = model.config.vocabulary
        let endOfText = settings.stopAtEndOfText ? settings.endOfTextID ?? generator.endOfTextID : nil
        let promptLength = promptIDs.count, maxLength = promptLength + budget
        guard budget > 0 else {
            return [GeneratedSequence(promptIDs: promptIDs, generatedIDs: [], text: generator.tokenizer?.decode(promptIDs),
                                      continuation: "", finishReason: .length, score: 0)]
        }
        let promptCache = model.makeCache(batch: 1, capacity: maxLength)
        let promptLogits = model.forward([promptIDs], cache: promptCache)
        let cache = promptCache.expanded(to: beams)
        var logits = [Float](repeating: 0, count: beams * vocabulary)
        for b in 0..<beams { for i in 0..<vocabulary { logits[b * vocabulary + i] = promptLogits[i] } }

        var running = [[Int]](repeating: [], count: beams)
        var runningScores = [Float](repeating: BeamSearch.excluded, count: beams)
        runningScores[0] = 0
        var slots = [Slot](repeating: Slot(tokens: [], score: BeamSearch.excluded, finished: false), count: beams)
        var improvementPossible = true
        var length = promptLength

        while true {
            // accumulated [beams · V] = processors(log_softmax(logits)) + running score
            var accumulated = [Float](repeating: 0, count: beams * vocabulary)
            accumulated.withUnsafeMutableBufferPointer { all in
                logits.withUnsafeBufferPointer { logits in
                    for b in 0..<beams {
                        let row = UnsafeMutableBufferPointer(rebasing: all[b * vocabulary..<(b + 1) * vocabulary])
                        BeamSearch.logSoftmax(UnsafeBufferPointer(rebasing: logits[b * vocabulary..<(b + 1) * vocabulary]), into: row)
                        let history = promptIDs + running[b]
                        LogitsProcessor.applyRepetitionPenalty(row, history: history, penalty: settings.repetitionPenalty)
                        LogitsProcessor.banRepeatedNgrams(row, history: history, size: settings.noRepeatNgramSize)
                        for i in row.indices { row[i] += runningScores[b] }
                    }
                }
            }
            let candidates = BeamSearch.topIndices(accumulated, count: keep).map { index -> Candidate in
                let beam = index / vocabulary, token = index % vocabulary
                return Candidate(beam: beam, token: token, score: accumulated[index], tokens: running[beam] + [token],
                                 stops: token == endOfText || length + 1 >= maxLength)
            }

            // The best `beams` candidates that did not stop keep running.
            let runningOrder = BeamSearch.topIndices(candidates.map { $0.score + ($0.stops ? BeamSearch.excluded : 0) }, count: beams)
            let sources = runningOrder.map { candidates[$0].beam }
            running = runningOrder.map { candidates[$0].tokens }
            runningScores = runningOrder.map { candidates[$0].score + (candidates[$0].stops ? BeamSearch.excluded : 0) }

            // Stopped candidates among the top `beams` compete for the finished slots.
            let penalty = Float(pow(Double(length + 1 - promptLength), Double(settings.lengthPenalty)))
            let full = slots.allSatisfy(\.finished) && settings.earlyStopping == .always
            var merged = slots
            for (rank, candidate) in candidates.enumerated() {
                let justFinished = candidate.stops && rank < beams
                var score = candidate.score / penalty
                if full { score += BeamSearch.excluded }
                if !improvementPossible { score += BeamSearch.excluded }
                if !justFinished { score += BeamSearch.excluded }
                merged.append(Slot(tokens: candidate.tokens, score: score, finished: justFinished))
            }
            slots = BeamSearch.topIndices(merged.map(\.score), count: beams).map { merged[$0] }

            length += 1
            // Could a running beam still beat the worst finished one?
            let hypotheticalLength = settings.earlyStopping == .never && settings.lengthPenalty > 0
                ? maxLength - promptLength : length - promptLength
            let bestPossible = runningScores[0] / Float(pow(Double(hypotheticalLength), Double(settings.lengthPenalty)))
            let worstFinished = slots.map(\.score).min()!
            improvementPossible = improvementPossible && slots.contains { bestPossible > ($0.finished ? worstFinished : BeamSearch.excluded) }
            let openBeam = !(slots.allSatisfy(\.finished) && settings.earlyStopping == .always)
            let validContinuations = !candidates.allSatisfy(\.stops)
            guard improvementPossible && openBeam && validContinuations else { break }

            cache.reorder(sources)
            logits = model.forward(running.map { [$0.last!] }, cache: cache)
        }

        return slots.prefix(settings.numReturnSequences).map { slot in
            let reason: GeneratedSequence.FinishReason = slot.tokens.last == endOfText ? .endOfText : .length
            return GeneratedSequence(promptIDs: promptIDs, generatedIDs: slot.tokens, text: generator.tokenizer?.decode(promptIDs + slot.tokens),
                                     continuation: generator.tokenizer?.decode(slot.tokens), finishReason: reason, score: slot.score)
        }
    }

    static func logSoftmax(_ logits: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        let maximum = logits.max()!
        var sum: Float = 0
        for value in logits { sum += expf(value - maximum) }
        let logSum = logf(sum)
        for i in logits.indices { out[i] = logits[i] - maximum - logSum }
    }

    /// Indices of the `count` largest values, largest first; ties go to the lower index.
    static func topIndices(_ values: [Float], count: Int) -> [Int] {
        var best = [Int]()
        best.reserveCapacity(count + 1)
        for index in values.indices {
            let value = values[index]
            if best.count == count, let last = best.last, !(value > values[last]) { continue }
            var position = best.count
            while position > 0 && value > values[best[position - 1]] { position -= 1 }
            best.insert(index, at: position)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
