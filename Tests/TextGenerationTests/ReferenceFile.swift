import TestSupport

/// `Tests/Fixtures/models/NAME/reference/reference.json` (see Tests/Fixtures/README.md).
struct ReferenceFile: Decodable {
    struct InputSet: Decodable {
        var description: String
        var inputs: [[Int]]
        var shape: [Int]
        var file: String
    }

    struct Settings: Decodable {
        var max_new_tokens: Int
        var repetition_penalty: Float?
        var no_repeat_ngram_size: Int?
        var num_beams: Int?
        var num_return_sequences: Int?
        var length_penalty: Float?
        var early_stopping: EarlyStopping?
        var eos_token_id: Int
    }

    enum EarlyStopping: Decodable, Equatable {
        case flag(Bool), never
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) { self = .flag(flag) } else { self = .never }
        }
    }

    struct Greedy: Decodable { var prompt: [Int]; var settings: Settings; var output: [Int] }
    struct Beam: Decodable { var prompt: [Int]; var settings: Settings; var outputs: [[Int]]; var sequences_scores: [Float] }

    var input_sets: [InputSet]
    var greedy: [Greedy]
    var beam: [Beam]

    static func load(_ model: String) throws -> ReferenceFile {
        try Fixtures.json(ReferenceFile.self, "models/\(model)/reference/reference.json")
    }
}
