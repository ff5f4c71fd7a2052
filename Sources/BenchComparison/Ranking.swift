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
        /// The cost per unit's range: a modeled row's 80% prediction interval, a measured row's
        /// confidence interval (cost scales with the time per call); nil without either.
        public var costRange: (low: Double, high: Double)?
        /// Whether this entry's cost range overlaps the one ranked just before it: the order
        /// between them is not known within the model's error or the measurement's.
        public var tiedWithPrevious = false
        /// The rank shown: equal to the previous entry's when tied.
        public var rank = 1
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
                return Entry(row: r, speedVsReference: speed, costVsReference: cost, costRange: Self.costRange(r))
            }
            entries.sort { a, b in
                switch (a.row.usdPerMillionUnits, b.row.usdPerMillionUnits) {
                case (let x?, let y?): return x < y
                case (.some, nil): return true
                case (nil, .some): return false
                default: return (a.row.throughput ?? 0) > (b.row.throughput ?? 0)
                }
            }
            for i in entries.indices {
                entries[i].rank = i + 1
                guard i > 0, let a = entries[i - 1].costRange, let b = entries[i].costRange else { continue }
                if b.low <= a.high && a.low <= b.high {
                    entries[i].tiedWithPrevious = true
                    entries[i].rank = entries[i - 1].rank
                }
            }
            return Group(kernel: first.kernel, shape: first.shape, entries: entries)
        }
    }

    /// The cost range of a priced row: cost × (interval or CI bound ÷ median time).
    static func costRange(_ r: ResultRow) -> (low: Double, high: Double)? {
        guard let cost = r.usdPerMillionUnits, let t = r.medianSeconds, t > 0 else { return nil }
        let bounds =
            r.backendKind == .modeled
            ? zip(r.intervalLowSeconds, r.intervalHighSeconds) : zip(r.ciLowSeconds, r.ciHighSeconds)
        guard let (lo, hi) = bounds else { return nil }
        return (cost * lo / t, cost * hi / t)
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
