import Foundation
import Testing
import Datasets

/// `--json` keys in snake_case, as transformers and the OpenAI API write them; data keys as they are.
struct SnakeCaseJSONTests {
    @Test func namesConvertWordByWordWithAcronymsWhole() {
        for (swift, json) in [("generatedIDs", "generated_ids"), ("finishReason", "finish_reason"), ("promptIDs", "prompt_ids"),
                              ("settingsDigest", "settings_digest"), ("peakRSSBytes", "peak_rss_bytes"), ("runID", "run_id"),
                              ("decodeTokensPerSecondBatch1", "decode_tokens_per_second_batch1"), ("seed", "seed"), ("_0", "_0"), ("newSHA256", "new_sha256"), ("decodeReadGBPerSecond", "decode_read_gb_per_second"), ("wfMBPerSecond", "wf_mb_per_second")] {
            #expect(SnakeCaseJSON.snakeCase(swift) == json)
            #expect(SnakeCaseJSON.camelCase(json) == swift)
        }
    }

    @Test func dictionaryKeysAreDataAndStayAsWritten() throws {
        struct Record: Codable, Equatable { var finishReason = "length"; var outputs = ["generatedText": "a:1", "my_output": "b:2"] }
        let json = String(decoding: try SnakeCaseJSON.encoder.encode(Record()), as: UTF8.self)
        #expect(json.contains("\"finish_reason\"") && json.contains("\"generatedText\"") && json.contains("\"my_output\""), "\(json)")
        #expect(try SnakeCaseJSON.decoder.decode(Record.self, from: Data(json.utf8)) == Record())
    }
}
