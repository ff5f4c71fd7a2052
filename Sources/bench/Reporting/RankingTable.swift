import BenchComparison
import BenchCore
import BenchResults

/// The price-performance ranking printed at the end of `bench run` (``Ranking`` as text).
enum RankingTable {
    static func render(_ rows: [ResultRow]) -> String {
        let ranking = Ranking(rows: rows)
        guard ranking.groups.contains(where: { $0.entries.count > 1 }) else { return "" }
        var out = [
            "",
            "price-performance ranking (per case: each backend at its best supported precision, cheapest per unit first):",
        ]
        for g in ranking.groups where g.entries.count > 1 {
            out.append("\(g.kernel) \(g.shape)")
            var table: [[String]] = [
                [
                    "#", "backend", "dtype", "kind", "throughput", "$/M units", "J/unit", "speed vs cpu-blas",
                    "cost vs cpu-blas", "bound",
                ]
            ]
            for (i, e) in g.entries.enumerated() {
                _ = i
                let r = e.row
                table.append([
                    "\(e.rank)\(e.tiedWithPrevious || g.entries.dropFirst(i + 1).first?.tiedWithPrevious == true ? "=" : "")",
                    r.backend.rawValue, r.dtype.rawValue, r.backendKind.rawValue,
                    r.throughput.map { formatRate($0) + " " + r.throughputUnit } ?? "-",
                    r.usdPerMillionUnits.map { cost in
                        "$" + formatSignificant(cost)
                            + (e.costRange.map { " (\(formatSignificant($0.low))–\(formatSignificant($0.high)))" } ?? "")
                    } ?? "no price",
                    r.energyJPerUnit.map { formatSignificant($0) + (r.energySource == .modeled ? " (m)" : "") } ?? "-",
                    e.speedVsReference.map { fixed($0, 2) + "x" } ?? "-",
                    e.costVsReference.map { fixed($0, 3) + "x" } ?? "-",
                    r.bound?.rawValue ?? "",
                ])
            }
            out.append(
                TextTable.lines(table, rightAligned: [0, 4, 5, 6, 7, 8]).map { "  " + $0 }.joined(separator: "\n"))
        }
        if ranking.groups.contains(where: { $0.entries.contains(where: \.tiedWithPrevious) }) {
            out.append(
                "note: entries ranked with = are tied: their cost ranges ($/M units in brackets: a modeled row's 80% prediction interval, a measured row's 95% CI) overlap, so their order is not known."
            )
        }
        if rows.contains(where: { $0.backendKind == .modeled && $0.status == .ok }) {
            out.append(
                "note: modeled rows are computed from the catalog's specs and documented assumptions (docs/models.md), not measured; J/unit marked (m) is modeled power (idle + (TDP - idle) x utilisation) x modeled time."
            )
        }
        if rows.contains(where: { $0.backendKind == .measured && $0.status == .ok && $0.priceUSDPerHour == nil }) {
            out.append(
                "note: measured rows have no price; pass --host-instance NAME (see bench catalog) or --host-price USD.")
        }
        return out.joined(separator: "\n")
    }
}
