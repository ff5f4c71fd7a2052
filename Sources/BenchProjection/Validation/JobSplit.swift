import BenchModels

extension JobSet {
    /// The role each job source gets (docs/project.md#validation): a source the kernel set also
    /// uses keeps its role there; the others follow the kernel set's rule (FNV-1a order, every
    /// second held out, then per device in profile order: a device with two or more sources gets
    /// at least one of each role, changing only sources the kernel set does not use).
    public func ruleSplit(kernelRoles: [String: String]) -> [String: String] {
        var order: [String] = []
        var devices: [String: Set<String>] = [:]
        for p in points {
            if devices[p.sourceId] == nil { order.append(p.sourceId) }
            devices[p.sourceId, default: []].insert(p.device)
        }
        let ordered = order.sorted { (fnv1a64($0), $0) < (fnv1a64($1), $1) }
        let rank = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
        var role: [String: String] = [:]
        for (i, s) in ordered.enumerated() { role[s] = kernelRoles[s] ?? (i % 2 == 1 ? "held-out" : "calibration") }
        for device in Profile.builtIn.map(\.device) {
            let mine = order.filter { devices[$0]?.contains(device) == true }.sorted { rank[$0]! < rank[$1]! }
            guard mine.count >= 2 else { continue }
            let free = mine.filter { kernelRoles[$0] == nil }
            if !mine.contains(where: { role[$0] == "held-out" }), let last = free.last { role[last] = "held-out" }
            if !mine.contains(where: { role[$0] == "calibration" }), let first = free.first {
                role[first] = "calibration"
            }
        }
        return role
    }
}
