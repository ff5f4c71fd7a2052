import BenchCore
import BenchModels
import BenchResults
import Foundation

/// What `bench report` reads: result files (one run, merged fleet runs, or a series of runs of
/// one suite on one host), an optional baseline, and the catalog for modeled devices' rooflines.
public struct ReportInput: Sendable {
    public var sets: [ResultSet]
    public var baseline: ResultSet?
    public var catalog: Catalog

    public init(sets: [ResultSet], baseline: ResultSet?, catalog: Catalog) {
        self.sets = sets
        self.baseline = baseline
        self.catalog = catalog
    }

    /// Several runs of one suite on one host, told apart by run id: the history view. The
    /// latest run is the one charted for price-performance and roofline.
    public var isHistory: Bool {
        guard sets.count >= 2 else { return false }
        let suites = Set(sets.map { $0.sidecar?.suite ?? $0.rows.first?.suite ?? "" })
        let hosts = Set(sets.flatMap { $0.rows.map(\.host).filter { !$0.isEmpty } })
        let runs = Set(sets.map { $0.sidecar?.runID ?? $0.rows.first?.runID ?? "" })
        return suites.count == 1 && hosts.count <= 1 && runs.count == sets.count
    }

    /// The files in time order (by their sidecars' start, else their rows' timestamps).
    var chronological: [ResultSet] {
        sets.sorted {
            ($0.sidecar?.startedAt ?? $0.rows.first?.timestamp ?? "")
                < ($1.sidecar?.startedAt ?? $1.rows.first?.timestamp ?? "")
        }
    }

    /// The rows charted for price-performance and roofline.
    var rows: [ResultRow] {
        if isHistory { return chronological.last?.rows ?? [] }
        // One file's rows as they are: a copy of a fleet file's is hundreds of megabytes.
        return sets.count == 1 ? sets[0].rows : sets.flatMap(\.rows)
    }
}

/// One point of a case's price-performance chart: a backend (on a host) at one dtype.
struct PricePoint {
    var row: ResultRow
    var label: String
    var throughput: Double
    var cost: Double
    var onFrontier = false
}

/// The report's numbers, computed once and drawn as charts and tables.
enum ReportData {
    /// Case groups (kernel and shape, across dtypes) in first-seen order.
    static func groups(_ rows: [ResultRow]) -> [(key: String, rows: [ResultRow])] {
        var order: [String] = [], byKey: [String: [ResultRow]] = [:]
        for r in rows {
            let k = "\(r.kernel) \(r.shape)"
            if byKey[k] == nil { order.append(k) }
            byKey[k, default: []].append(r)
        }
        return order.map { ($0, byKey[$0] ?? []) }
    }

    /// The series label of a row: backend, host when several hosts are in play, and dtype.
    static func label(_ r: ResultRow, multiHost: Bool) -> String {
        "\(r.backend)\(multiHost && !r.host.isEmpty ? " @ \(r.host)" : "") \(r.dtype)"
    }

    /// Priced `ok` points of a group with the Pareto frontier marked (no other point has both
    /// more throughput and a lower cost per unit), and the `ok` rows without a price.
    static func pricePoints(_ rows: [ResultRow], multiHost: Bool) -> (points: [PricePoint], unpriced: [ResultRow]) {
        var points: [PricePoint] = [], unpriced: [ResultRow] = []
        for r in rows where r.status == .ok {
            guard let t = r.throughput, t > 0, t.isFinite else { continue }
            guard let c = r.usdPerMillionUnits, c > 0, c.isFinite else {
                unpriced.append(r)
                continue
            }
            points.append(PricePoint(row: r, label: label(r, multiHost: multiHost), throughput: t, cost: c))
        }
        markFrontier(&points)
        return (points, unpriced)
    }

    /// A row's throughput and cost ranges (both scale with the time): a measured row's from its
    /// median's 95% CI, a modeled row's from its 80% prediction interval.
    static func whiskers(_ r: ResultRow, throughput t: Double, cost c: Double) -> (
        ClosedRange<Double>, ClosedRange<Double>
    )? {
        let bounds =
            r.backendKind == .measured
            ? (r.ciLowSeconds, r.ciHighSeconds) : (r.intervalLowSeconds, r.intervalHighSeconds)
        guard let m = r.medianSeconds, m > 0, let lo = bounds.0, let hi = bounds.1, lo > 0, hi >= lo else { return nil }
        return (t * m / hi...t * m / lo, c * lo / m...c * hi / m)
    }

    /// A device's ceilings for the roofline: peak FLOP/s per dtype and memory bytes/s.
    struct Roof {
        var name: String
        var source: String
        var peaks: [DType: Double]
        var bandwidth: Double?
    }

    /// The roof of a backend's rows: the catalog device of a modeled backend; the run's
    /// measured peak and STREAM bandwidth for the host's own backends; none for plugins.
    static func roof(for backend: BackendID, kind: BackendKind, sets: [ResultSet], catalog: Catalog, threads: Int)
        -> Roof?
    {
        if kind == .modeled, let d = catalog.device(named: backend.rawValue) {
            var peaks: [DType: Double] = [:]
            peaks = d.denseFLOPS
            return Roof(
                name: d.displayName, source: "catalog \(catalog.catalogVersion)", peaks: peaks,
                bandwidth: d.memoryBytesPerSecond)
        }
        guard backend == .cpuBLAS || backend == .cpuSwift,
            let env = sets.compactMap({ $0.sidecar?.environment }).first(where: { !$0.peak.isEmpty })
        else { return nil }
        var peaks: [DType: Double] = [:]
        for p in env.peak where p.threads == threads { peaks[p.dtype] = p.flopsPerSecond }
        return Roof(
            name: "\(env.cpuModel), \(threads) threads", source: "measured by the run (FMA probe, STREAM triad)",
            peaks: peaks, bandwidth: env.memoryBandwidthBytesPerSecond)
    }
}
