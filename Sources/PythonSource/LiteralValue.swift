/// A Python value that a literal expression denotes (`ast.literal_eval`'s results, less complex
/// numbers and `Ellipsis`).
///
/// - `int` is a Swift `Int`: a literal that does not fit in 64 bits is an error, never a trap.
/// - `dict` keeps its entries in insertion order (a repeated key keeps its first position and its
///   last value, as in Python); `set` keeps its first occurrences in order. Keys and elements are
///   compared as Python compares them (`1 == 1.0 == True`).
///
/// `Equatable` is structural (order of entries included; `.int(1) != .float(1)`); `description`
/// is Python's `repr` (`'text'`, `True`, `None`, `[1, 2]`, `(1,)`, `{'a': 1}`, `{1, 2}`, `b'x'`).
public enum LiteralValue: Sendable, Equatable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([LiteralValue])
    case tuple([LiteralValue])
    case dict([DictEntry])
    case set([LiteralValue])

    /// One `key: value` of a dict.
    public struct DictEntry: Sendable, Equatable {
        public var key: LiteralValue
        public var value: LiteralValue

        public init(key: LiteralValue, value: LiteralValue) {
            self.key = key
            self.value = value
        }
    }

    /// Python's name for the value's type: `NoneType`, `bool`, `int`, `float`, `str`, `bytes`,
    /// `list`, `tuple`, `dict`, `set`.
    public var typeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .set: "set"
        }
    }

    /// The value and its type for messages: `42 (an int)`, `'42' (a str)`, `None`.
    public var describedWithType: String {
        switch self {
        case .none: return "None"
        case .int: return "\(description) (an int)"
        case .bytes: return "\(description) (bytes)"
        default: return "\(description) (a \(typeName))"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of an `int` (not of a `bool`).
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value of a `float` or an `int`, as Python converts them.
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Whether the value can be a dict key or set element (no list, dict or set inside).
    public var isHashable: Bool {
        switch self {
        case .list, .dict, .set: return false
        case .tuple(let items): return items.allSatisfy(\.isHashable)
        default: return true
        }
    }

    /// Python's `==` for hashable values: numbers compare by value across `bool`, `int` and `float`.
    func pythonEquals(_ other: LiteralValue) -> Bool {
        switch (self.number, other.number) {
        case (.integer(let a)?, .integer(let b)?): return a == b
        case (.real(let a)?, .real(let b)?): return a == b
        case (.integer(let a)?, .real(let b)?), (.real(let b)?, .integer(let a)?): return Double(exactly: a) == b
        case (nil, nil): break
        default: return false
        }
        switch (self, other) {
        case (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        default:
            return self == other
        }
    }

    private enum Number {
        case integer(Int)
        case real(Double)
    }

    private var number: Number? {
        switch self {
        case .bool(let value): return .integer(value ? 1 : 0)
        case .int(let value): return .integer(value)
        case .float(let value): return .real(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .float(let value): return LiteralValue.repr(value)
        case .string(let value): return LiteralValue.repr(value)
        case .bytes(let value): return LiteralValue.repr(value)
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let items):
            return items.count == 1 ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
        case .dict(let entries): return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .set(let items): return items.isEmpty ? "set()" : "{" + items.map(\.description).joined(separator: ", ") + "}"
        }
    }

    /// Python's `repr` of a float: the shortest round-tripping digits, `inf`, `nan`.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }

    /// Python's `repr` of a `str`: single quotes unless the text has one and no double quote.
    static func repr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if !scalar.isASCII && !isPrintable(scalar) {
                    out += scalar.value <= 0xFF ? "\\x" + hex(scalar.value, width: 2)
                        : scalar.value <= 0xFFFF ? "\\u" + hex(scalar.value, width: 4) : "\\U" + hex(scalar.value, width: 8)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + String(quote)
    }

    /// Python's `repr` of `bytes`.
    static func repr(_ bytes: [UInt8]) -> String {
        let quote: UInt8 = bytes.contains(0x27) && !bytes.contains(0x22) ? 0x22 : 0x27
        var out = "b" + String(UnicodeScalar(quote))
        for byte in bytes {
            switch byte {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case quote: out += "\\" + String(UnicodeScalar(quote))
            case 0x20..<0x7F: out.unicodeScalars.append(UnicodeScalar(byte))
            default: out += "\\x" + hex(UInt32(byte), width: 2)
            }
        }
        return out + String(UnicodeScalar(quote))
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `str.isprintable()` for one character: not a control, format, separator (other than the
    /// ASCII space), surrogate, private-use or unassigned character.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
