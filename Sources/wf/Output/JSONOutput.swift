import Datasets
import Foundation

/// Prints any `Encodable` as pretty, key-sorted JSON on standard output, its keys in
/// snake_case (`SnakeCaseJSON`).
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        let data = try SnakeCaseJSON.encoder.encode(value)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
