import Foundation

/// One JSON value of the plugin protocol, typed: replies are decoded into it with
/// `JSONDecoder` (no `Any`), and requests are written from it with their keys in the order
/// given (the `prepare` parameters must arrive in the case id's order).
indirect enum JSONValue: Decodable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in order (a request's order; a decoded reply's keys sorted).
    case object([(String, JSONValue)])

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(
                try keyed.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                    ($0.stringValue, try keyed.decode(JSONValue.self, forKey: $0))
                })
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    /// Parses one line of the protocol: a JSON object, or `nil`.
    static func object(parsing line: [UInt8]) -> [String: JSONValue]? {
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
            return nil
        }
        return Dictionary(fields, uniquingKeysWith: { a, _ in a })
    }

    /// The value as one line of JSON, keys in order, strings escaped as `JSONSerialization`
    /// escapes them (`/` included).
    var json: String? {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? Self.fragment(d) : nil
        case .string(let s): return Self.fragment(s)
        case .array(let items):
            let parts = items.compactMap(\.json)
            return parts.count == items.count ? "[" + parts.joined(separator: ",") + "]" : nil
        case .object(let fields):
            var parts: [String] = []
            for (k, v) in fields {
                guard let key = Self.fragment(k), let value = v.json else { return nil }
                parts.append("\(key):\(value)")
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    private static func fragment(_ scalar: Any) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: scalar, options: [.fragmentsAllowed]) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func == (a: JSONValue, b: JSONValue) -> Bool { a.json == b.json }

    /// The value as a message shows it.
    var description: String {
        switch self {
        case .string(let s): s
        default: json ?? "?"
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
