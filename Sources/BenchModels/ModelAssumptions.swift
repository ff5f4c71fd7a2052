/// `--assume [PROFILE:]KEY=VALUE`: a modelling choice the user changes for a run, laid over
/// the catalog's `model` parameters of every modeled device (or of one profile's device).
///
/// Every key and its range are listed by ``ModelAssumptions/keys`` (`bench catalog` prints
/// them, `docs/models.md` documents them). The changed parameter's source becomes
/// `--assume`, so a row's numbers never pass for the catalog's.
public struct ModelAssumptions: Sendable, Equatable {
    /// One key: its name, the values it takes, and what it changes.
    public struct Key: Sendable {
        public let name: String
        /// The values accepted, as the user reads them.
        public let range: String
        public let meaning: String
        let apply: @Sendable (inout ModelParameters, String) -> Bool
    }

    /// One `--assume` item, parsed.
    public struct Item: Sendable, Equatable {
        /// The profile it is limited to, or `nil` for every modeled profile.
        public var profile: String?
        public var key: String
        public var value: String
    }

    public private(set) var items: [Item] = []

    public init() {}

    /// The keys `--assume` accepts.
    public static let keys: [Key] = [
        Key(
            name: "attention", range: "fused | unfused",
            meaning:
                "attention as one fused kernel (FlashAttention/cuDNN, NKI) or as matmuls with the S×S probabilities in memory"
        ) { m, v in
            guard v == "fused" || v == "unfused" else { return false }
            m.attention = Choice(value: v, source: "--assume", date: "", note: nil)
            return true
        },
        Key(
            name: "stack", range: Stack.names.joined(separator: " | "),
            meaning: "the software stack the row stands for (its fitted efficiency and overhead; docs/models.md#stacks)"
        ) { m, v in
            guard Stack.names.contains(v) else { return false }
            m.assumedStack = v
            return true
        },
        fraction(
            "step_efficiency", "whole-step efficiency of training steps (compiler-generated graphs)", \.stepEfficiency),
        fraction("matmul_efficiency", "fraction of the dense peak the best GEMM tile reaches", \.matmulEfficiency),
        fraction("memory_efficiency", "fraction of the memory bandwidth streaming kernels reach", \.memoryEfficiency),
        fraction(
            "attention_efficiency", "fraction of the dense peak a fused attention kernel reaches", \.attentionEfficiency
        ),
        Key(name: "tile_cost_us", range: "[0, 1000]", meaning: "fixed cost of one GEMM tile (prologue, epilogue), µs") {
            m, v in
            guard let x = Double(v), x == 0 || x.isNormal, x >= 0, x <= 1000 else { return false }
            m.tileCostUs = Fact(value: x, unit: "us", source: "--assume", date: "", note: nil, format: nil)
            return true
        },
    ]

    static func fraction(_ name: String, _ meaning: String, _ field: WritableKeyPath<ModelParameters, Fact?> & Sendable)
        -> Key
    {
        Key(name: name, range: "(0, 1]", meaning: meaning) { m, v in
            // isNormal: a subnormal efficiency (5e-324) would overflow every modeled time.
            guard let x = Double(v), x.isNormal, x > 0, x <= 1 else { return false }
            m[keyPath: field] = Fact(value: x, unit: "fraction", source: "--assume", date: "", note: nil, format: nil)
            return true
        }
    }

    /// Adds one `[PROFILE:]KEY=VALUE` item, checking the key, the value and the profile.
    public mutating func add(_ text: String, profiles: [String]) throws(AssumptionError) {
        guard let eq = text.firstIndex(of: "=") else { throw .malformed(text) }
        var name = String(text[..<eq])
        let value = String(text[text.index(after: eq)...])
        var profile: String?
        if let colon = name.firstIndex(of: ":") {
            profile = String(name[..<colon])
            name = String(name[name.index(after: colon)...])
            guard let p = profile, profiles.contains(p) else {
                throw .unknownProfile(profile ?? "", valid: profiles)
            }
        }
        guard let key = Self.keys.first(where: { $0.name == name }) else { throw .unknownKey(name) }
        var probe = ModelParameters.empty
        guard key.apply(&probe, value) else { throw .outOfRange(key: name, value: value, range: key.range) }
        items.append(Item(profile: profile, key: name, value: value))
    }

    /// `catalog` with every item applied to the devices of `profiles` (profile id → device).
    public func applied(to catalog: Catalog, profiles: [Profile]) -> Catalog {
        guard !items.isEmpty else { return catalog }
        var result = catalog
        for (i, d) in result.devices.enumerated() {
            let users = profiles.filter { $0.device == d.name }.map(\.id)
            let mine = items.filter { $0.profile == nil || users.contains($0.profile!) }
            guard !mine.isEmpty else { continue }
            var m = d.model ?? .empty
            for item in mine { _ = Self.keys.first { $0.name == item.key }?.apply(&m, item.value) }
            result.devices[i].model = m
        }
        result.catalogVersion += "+assume"
        return result
    }

    /// The items as the user wrote them, for notes and the sidecar.
    public var summary: String {
        items.map { "\($0.profile.map { "\($0):" } ?? "")\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

/// A bad `--assume` item.
public enum AssumptionError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unknownKey(String)
    case unknownProfile(String, valid: [String])
    case outOfRange(key: String, value: String, range: String)

    public var description: String {
        let keys = ModelAssumptions.keys.map(\.name).joined(separator: ", ")
        switch self {
        case .malformed(let t): return "'\(t)' is not [PROFILE:]KEY=VALUE (keys: \(keys))"
        case .unknownKey(let k): return "unknown key '\(k)' (valid: \(keys))"
        case .unknownProfile(let p, let valid):
            return "unknown profile '\(p)' (valid: \(valid.joined(separator: ", ")))"
        case .outOfRange(let k, let v, let r): return "\(k)=\(v) is out of range (valid: \(r))"
        }
    }
}
