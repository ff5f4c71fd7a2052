import BenchCore
import Foundation

/// A plugin's handshake, checked: its protocol version, id, device, kernels and dtypes, price
/// hint, catalog device and the share of it one row uses (docs/plugin-protocol.md).
struct PluginHandshake {
    var protocolVersion: Int
    var backendID: BackendID
    /// The device as the row's device column shows it (with the share, when partial).
    var device: String
    var kernels: [String]
    var dtypes: [DType]
    var priceHint: Double?
    var catalogDevice: String?
    var deviceShare: Double

    private static let idPattern = "^[a-z0-9][a-z0-9._-]{0,63}$"

    init(_ m: Message) throws(PluginError) {
        guard (try? m.type) == "handshake" else {
            throw .protocolViolation(
                plugin: m.plugin, detail: "expected a handshake, got \(m.fields["type"]?.description ?? "no type")")
        }
        protocolVersion = try m.int("protocol_version")
        guard PluginProtocol.versions.contains(protocolVersion) else {
            throw .versionMismatch(plugin: m.plugin, got: protocolVersion)
        }
        let id = try m.string("backend_id")
        guard id.range(of: Self.idPattern, options: .regularExpression) != nil else {
            throw .protocolViolation(plugin: m.plugin, detail: "backend_id '\(id)' is not a lowercase id")
        }
        backendID = BackendID(id)
        let said = String(try m.string("device").prefix(512))
        kernels = try m.strings("kernels")
        // A dtype bench does not know (a vendor's native fp16, say) is left aside, as an unknown
        // kernel name is: no case asks for it, and the plugin's other rows run.
        dtypes = try m.strings("dtypes").map { DType(rawValue: $0) }.filter { DType.known.contains($0) }
        priceHint = try m.optionalPositiveNumber("price_hint_usd_per_hour")
        // Same bounds as every price: a subnormal or huge hint would overflow the cost columns.
        if let hint = priceHint, !(1e-6...1e4).contains(hint) {
            throw .protocolViolation(
                plugin: m.plugin, detail: "price_hint_usd_per_hour must be in [0.000001, 10000] (got \(hint))")
        }
        switch m.fields["catalog_device"] {
        case nil, .null?: catalogDevice = nil
        case .string(let name)? where name.range(of: Self.idPattern, options: .regularExpression) != nil:
            catalogDevice = name
        default:
            throw .protocolViolation(
                plugin: m.plugin, detail: "catalog_device must be a lowercase catalog device id like 'h100'")
        }
        let share = try m.optionalPositiveNumber("device_share") ?? 1
        guard share <= 1 else {
            throw .protocolViolation(plugin: m.plugin, detail: "device_share must be in (0, 1], got \(share)")
        }
        if share < 1, catalogDevice == nil {
            throw .protocolViolation(
                plugin: m.plugin, detail: "device_share is a share of catalog_device, which the handshake does not name"
            )
        }
        deviceShare = share
        // The share is part of what the rows ran on: shown in the device column, so that
        // compare sees a change of it and readers of the ranking see it.
        device = share < 1 ? "\(said) [\(fixed(share, 3)) of a \(catalogDevice ?? "")]" : said
    }
}
