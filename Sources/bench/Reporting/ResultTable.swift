import BenchCore
import BenchResults

/// The aligned table of rows printed at the end of `bench run`.
enum ResultTable {
    static func render(_ rows: [ResultRow]) -> String {
        if rows.contains(where: \.isCounted) { return renderCounts(rows) }
        var table: [[String]] = [["case", "backend", "median", "TFLOP/s", "throughput", "% peak (MFU)", "status"]]
        for r in rows {
            table.append([
                r.caseID, r.backend.rawValue, r.medianSeconds.map(formatSeconds) ?? "-",
                r.tflops.map { fixed($0, 3) } ?? "-",
                r.throughput.map { formatRate($0) + " " + r.throughputUnit } ?? "-",
                r.mfu.map { fixed($0 * 100, 1) + "%" } ?? "-",
                r.status.rawValue,
            ])
        }
        return TextTable.render(table, rightAligned: [2, 3, 4, 5])
    }

    /// Counts mode: what callgrind counted per call, instead of times.
    static func renderCounts(_ rows: [ResultRow]) -> String {
        var table: [[String]] = [
            ["case", "backend", "instructions", "L1 misses", "LL misses", "est. cycles", "status"]
        ]
        for r in rows {
            table.append([
                r.caseID, r.backend.rawValue, r.instructions.map(formatRate) ?? "-", r.l1Misses.map(formatRate) ?? "-",
                r.llMisses.map(formatRate) ?? "-", r.estimatedCycles.map(formatRate) ?? "-", r.status.rawValue,
            ])
        }
        return TextTable.render(table, rightAligned: [2, 3, 4, 5])
            + "\n(per call, counted under callgrind; see the sidecar's counting record)"
    }
}
