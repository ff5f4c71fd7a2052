import BenchCore
import BenchResults

/// The aligned table of rows printed at the end of `bench run`.
enum ResultTable {
    static func render(_ rows: [ResultRow]) -> String {
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
}
