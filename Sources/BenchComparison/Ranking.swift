import BenchCore
import BenchResults

/// The end-of-run price-performance ranking: per kernel and parameters, each backend at its
/// best supported precision, sorted by cost per unit of work.
public struct Ranking: Sendable {
    /// One backend's entry for one case group.
    public struct Entry: Sendable {
        public var row: ResultRow
        /// Throughput relative to the reference backend's best row (nil without one).
        public var speedVsReference: Double?
        /// Cost per unit relative to the reference backend's (nil without prices).
        public var costVsReference: Double?
    }

    /// One group: a kernel and its parameters, across dtypes.
    public struct Group: Sendable {
        public var kernel: String
        public var shape: String
        public var entries: [Entry]
    }

    public var groups: [Group]

    /// Builds the ranking from `ok` rows. `reference` (default `cpu-blas`) anchors the
    /// relative columns. A backend's best precision is its cheapest row per unit when priced,
    /// else its fastest.
    public init(rows: [ResultRow], reference: BackendID = .cpuBLAS) {
        var order: [String] = []
        var byGroup: [String: [ResultRow]] = [:]
        for r in rows where r.status == .ok {
            let key = "\(r.kernel)/\(r.shape)"
            if byGroup[key] == nil { order.append(key) }
            byGroup[key, default: []].append(r)
        }
        groups = order.compactMap { key in
            guard let rs = byGroup[key], let first = rs.first else { return nil }
            var best: [BackendID: ResultRow] = [:]
            var backendOrder: [BackendID] = []
            for r in rs {
                guard let current = best[r.backend] else {
                    best[r.backend] = r
                    backendOrder.append(r.backend)
                    continue
                }
                if Self.better(r, than: current) { best[r.backend] = r }
            }
            let ref = best[reference]
            var entries = backendOrder.compactMap { best[$0] }.map { r -> Entry in
                let speed = zip(r.throughput, ref?.throughput).flatMap { $1 > 0 ? $0 / $1 : nil }
                let cost = zip(r.usdPerMillionUnits, ref?.usdPerMillionUnits).flatMap { $1 > 0 ? $0 / $1 : nil }
                return Entry(row: r, speedVsReference: speed, costVsReference: cost)
            }
            entries.sort { a, b in
                switch (a.row.usdPerMillionUnits, b.row.usdPerMillionUnits) {
                case (let x?, let y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                default: return (a.row.throughput ?? 0) > (b.row.throughput ?? 0)
                }
            }
            return Group(kernel: first.kernel, shape: first.shape, entries: entries)
        }
    }

    static func better(_ a: ResultRow, than b: ResultRow) -> Bool {
        if let x = a.usdPerMillionUnits, let y = b.usdPerMillionUnits { return x < y }
        return (a.throughput ?? 0) > (b.throughput ?? 0)
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
