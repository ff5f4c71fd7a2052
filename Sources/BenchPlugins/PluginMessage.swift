import BenchCore
import Foundation

/// One reply of a plugin, decoded (``JSONValue``) and read field by field: every miss is a
/// protocol violation naming the field.
struct Message {
    let fields: [String: JSONValue]
    let plugin: String

    init(_ fields: [String: JSONValue], plugin: String) {
        self.fields = fields
        self.plugin = plugin
    }

    /// The reply's `type`.
    var type: String { get throws(PluginError) { try string("type") } }

    /// A field as a message shows it (`?` when absent).
    func shown(_ key: String) -> String { fields[key].map(\.description) ?? "?" }

    /// The `message` or `reason` of an `error` or `unsupported` reply, for a note.
    var explanation: String { fields["message"]?.description ?? fields["reason"]?.description ?? "" }

    func string(_ key: String) throws(PluginError) -> String {
        guard case .string(let v)? = fields[key] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a string")
        }
        return v
    }

    /// A string, or `nil` when the field is absent or not a string.
    func optionalString(_ key: String) -> String? {
        guard case .string(let v)? = fields[key] else { return nil }
        return v
    }

    func int(_ key: String) throws(PluginError) -> Int {
        guard case .int(let n)? = fields[key] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not an integer")
        }
        return n
    }

    /// A positive, finite number, or `nil` when the field is absent or null.
    func optionalPositiveNumber(_ key: String) throws(PluginError) -> Double? {
        let value: Double
        switch fields[key] {
        case nil, .null?: return nil
        case .int(let n)?: value = Double(n)
        case .double(let d)?: value = d
        case let other?:
            throw .protocolViolation(
                plugin: plugin, detail: "\(key) must be a positive, finite number or null (got \(other))")
        }
        guard value.isFinite, value > 0 else {
            throw .protocolViolation(
                plugin: plugin, detail: "\(key) must be a positive, finite number or null (got \(shown(key)))")
        }
        return value
    }

    func strings(_ key: String) throws(PluginError) -> [String] {
        guard case .array(let items)? = fields[key] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a list of strings")
        }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else {
                throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a list of strings")
            }
            out.append(s)
        }
        return out
    }

    /// A list of numbers; with `allowNull`, a `null` entry is NaN (an entry the plugin could not give).
    func numbers(_ key: String, allowNull: Bool = false) throws(PluginError) -> [Double] {
        guard case .array(let items)? = fields[key] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a list")
        }
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .int(let n): out.append(Double(n))
            case .double(let d): out.append(d)
            case .null where allowNull: out.append(.nan)
            default: throw .protocolViolation(plugin: plugin, detail: "field '\(key)' holds a non-number")
            }
        }
        return out
    }
}

/// The requests bench sends, typed; each is written as one JSON object line.
enum PluginRequest {
    case hello
    case prepare(id: Int, kernelCase: KernelCaseFields, threads: Int)
    case run(id: Int, iterations: Int, callsPerSample: Int)
    /// Entries as `[row, column]` (version 1) or `[tensor, row, column]` (version 2).
    case verify(id: Int, entries: [JSONValue])
    case teardown(id: Int)
    case shutdown

    /// What a `prepare` names of the case, as strings (the case id's grammar).
    struct KernelCaseFields {
        var caseID: String
        var kernel: String
        var dtype: DType
        /// In the case id's order.
        var parameters: [(name: String, value: String)]
    }

    /// The request's `id`, which the reply must echo.
    var id: Int? {
        switch self {
        case .prepare(let id, _, _), .run(let id, _, _), .verify(let id, _), .teardown(let id): id
        case .hello, .shutdown: nil
        }
    }

    /// The request as JSON: `prepare` in the documented field order, the others with their keys
    /// sorted (the protocol's wire form since version 1).
    var value: JSONValue {
        switch self {
        case .hello:
            .object([
                ("type", .string("hello")), ("protocol_version", .int(PluginProtocol.version)),
                ("protocol_versions", .array(PluginProtocol.versions.map { .int($0) })),
            ])
        case .prepare(let id, let c, let threads):
            .object([
                ("type", .string("prepare")), ("id", .int(id)), ("case_id", .string(c.caseID)),
                ("kernel", .string(c.kernel)), ("dtype", .string(c.dtype.rawValue)),
                ("parameters", .object(c.parameters.map { ($0.name, .string($0.value)) })), ("threads", .int(threads)),
            ])
        case .run(let id, let iterations, let callsPerSample):
            .object([
                ("calls_per_sample", .int(callsPerSample)), ("id", .int(id)), ("iterations", .int(iterations)),
                ("type", .string("run")),
            ])
        case .verify(let id, let entries):
            .object([
                ("entries", .array(entries)), ("id", .int(id)),
                ("type", .string("verify")),
            ])
        case .teardown(let id): .object([("id", .int(id)), ("type", .string("teardown"))])
        case .shutdown: .object([("type", .string("shutdown"))])
        }
    }
}
