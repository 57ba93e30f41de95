import Foundation
import Workflows

/// Decodes an action's typed settings from a job's `with:` map, whose values are the texts
/// the YAML held (`top_k: 50` is the text "50"): numbers, booleans (`true`/`false`, and
/// YAML 1.1's `yes`/`no`/`on`/`off`) and lists are read from that text here, once, so
/// `wf validate`, `wf run` and the daemon agree on what a value means. A field of type
/// `Value` keeps the raw value (a `secret:` or `context.` reference is resolved when the
/// step runs).
struct WithDecoder: Decoder {
    let values: [String: Value]
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Container<Key>(values: values))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "with: is a mapping"))
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "with: is a mapping"))
    }

    /// The problem with one key, phrased for a user.
    struct Problem: Error {
        var key: String
        var message: String
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let values: [String: Value]
        var codingPath: [CodingKey] { [] }
        var allKeys: [Key] { values.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { values[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { values[key.stringValue] == nil }

        /// The literal text of `key`; secrets and context values are not literals.
        func text(_ key: Key, _ expected: String) throws -> String {
            switch values[key.stringValue] {
            case .literal(let text)?: return text
            case .list?: throw Problem(key: key.stringValue, message: "expected \(expected), not a list")
            case .secret?, .context?: throw Problem(key: key.stringValue, message: "expected \(expected) written in the file, not a secret or context value")
            case nil: throw Problem(key: key.stringValue, message: "is missing")
            }
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String { try text(key, "a text") }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            let text = try text(key, "true or false")
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw Problem(key: key.stringValue, message: "expected true or false, not \(text)")
            }
        }

        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            let text = try text(key, "a number")
            guard let number = Double(text), number.isFinite else { throw Problem(key: key.stringValue, message: "expected a number, not \(text)") }
            return number
        }

        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            let text = try text(key, "a whole number")
            guard let number = Int(text) else { throw Problem(key: key.stringValue, message: "expected a whole number, not \(text)") }
            return number
        }

        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            let text = try text(key, "a whole number of 0 or more")
            guard let number = UInt64(text) else { throw Problem(key: key.stringValue, message: "expected a whole number of 0 or more, not \(text)") }
            return number
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            if type == Value.self, let value = values[key.stringValue] { return value as! T }
            if type == [String].self {
                switch values[key.stringValue] {
                case .list(let items)?: return items as! T
                case .literal(let text)?: return [text] as! T
                default: _ = try text(key, "a list")
                }
            }
            if let value = try decodeScalar(type, forKey: key) { return value }
            throw Problem(key: key.stringValue, message: "cannot be read as \(type)")
        }

        private func decodeScalar<T>(_ type: T.Type, forKey key: Key) throws -> T? {
            switch type {
            case is String.Type: return try decode(String.self, forKey: key) as? T
            case is Bool.Type: return try decode(Bool.self, forKey: key) as? T
            case is Double.Type: return try decode(Double.self, forKey: key) as? T
            case is Float.Type: return try decode(Float.self, forKey: key) as? T
            case is Int.Type: return try decode(Int.self, forKey: key) as? T
            case is UInt64.Type: return try decode(UInt64.self, forKey: key) as? T
            default: return nil
            }
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw Problem(key: key.stringValue, message: "expected a single value")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            throw Problem(key: key.stringValue, message: "expected a single value")
        }

        func superDecoder() throws -> Decoder { WithDecoder(values: values) }
        func superDecoder(forKey key: Key) throws -> Decoder { WithDecoder(values: values) }
    }
}
