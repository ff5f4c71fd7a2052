import BenchCore

/// The sources of a validation set, and the rule that makes each wholly calibration or wholly
/// held-out. The rule was written down before any fitting (docs/models.md#the-split):
///
/// 1. Order the sources by FNV-1a-64 of their `source_id` (a fixed, content-free shuffle).
/// 2. Walking that order, every second source (the 2nd, 4th, …) is held out.
/// 3. For each device in profile order with two or more sources: if none is held out, the
///    calibration source latest in the order is held out; if none is calibration, the
///    held-out source earliest in the order becomes calibration.
extension ValidationSet {
    /// One source: its points, devices and role.
    public struct Source: Sendable, Equatable {
        public var id: String
        public var split: String
        public var devices: [String]
        public var stacks: [String]
        public var points: Int
    }

    /// The sources in first-appearance order.
    public var sources: [Source] {
        var order: [String] = []
        var byID: [String: Source] = [:]
        for p in points {
            let id = p.sourceId ?? ""
            if byID[id] == nil {
                order.append(id)
                byID[id] = Source(id: id, split: p.split, devices: [], stacks: [], points: 0)
            }
            byID[id]!.points += 1
            if !byID[id]!.devices.contains(p.device) { byID[id]!.devices.append(p.device) }
            if let s = p.stack, !byID[id]!.stacks.contains(s) { byID[id]!.stacks.append(s) }
        }
        return order.map { byID[$0]! }
    }

    /// The role each source gets by the documented rule.
    public func ruleSplit(profiles: [String] = Profile.builtIn.map(\.id)) -> [String: String] {
        let all = sources
        let ordered = all.map(\.id).sorted { (fnv1a64($0), $0) < (fnv1a64($1), $1) }
        let rank = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
        var role: [String: String] = [:]
        for (i, id) in ordered.enumerated() { role[id] = i % 2 == 1 ? "held-out" : "calibration" }
        for device in profiles {
            let mine = all.filter { $0.devices.contains(device) }.map(\.id).sorted { rank[$0]! < rank[$1]! }
            guard mine.count >= 2 else { continue }
            if !mine.contains(where: { role[$0] == "held-out" }), let last = mine.last {
                role[last] = "held-out"
            }
            if !mine.contains(where: { role[$0] == "calibration" }), let first = mine.first {
                role[first] = "calibration"
            }
        }
        return role
    }

    /// The sources whose role in the file differs from the rule's, as "id: file → rule".
    public func ruleViolations() -> [String] {
        let rule = ruleSplit()
        return sources.compactMap { s in
            rule[s.id] == s.split ? nil : "\(s.id): \(s.split) in the file, \(rule[s.id] ?? "?") by the rule"
        }
    }
}

/// FNV-1a, 64-bit, over the UTF-8 bytes (the same hash the case inputs use).
public func fnv1a64(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
