import BenchCore

/// The aligned table printed at the end of `bench run`.
enum ResultTable {
    static func render(_ outcomes: [RunOutcome]) -> String {
        var rows: [[String]] = [["case", "backend", "median", "TFLOP/s", "throughput", "% peak (MFU)", "status"]]
        for o in outcomes {
            let r = o.row
            rows.append([
                r.caseID, r.backend, r.medianSeconds.map(formatSeconds) ?? "-",
                r.tflops.map { fixed($0, 3) } ?? "-",
                r.throughput.map { formatRate($0) + " " + r.throughputUnit } ?? "-", o.fractionOfPeak.map { fixed($0 * 100, 1) + "%" } ?? "-",
                r.status.rawValue,
            ])
        }
        return align(rows, rightAligned: [2, 3, 4, 5])
    }

    /// Joins rows into columns padded to the widest cell.
    static func align(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A rate with 4 significant digits and an SI prefix: `1.234k`, `56.78`.
    static func formatRate(_ v: Double) -> String {
        if v >= 1e9 { return fixed(v / 1e9, 3) + "G" }
        if v >= 1e6 { return fixed(v / 1e6, 3) + "M" }
        if v >= 1e3 { return fixed(v / 1e3, 3) + "k" }
        return fixed(v, 2)
    }

    /// Seconds with a unit that keeps 3–4 significant digits: `812.3 µs`, `1.204 s`.
    static func formatSeconds(_ s: Double) -> String {
        if s >= 1 { return fixed(s, 3) + " s" }
        if s >= 1e-3 { return fixed(s * 1e3, 3) + " ms" }
        if s >= 1e-6 { return fixed(s * 1e6, 1) + " µs" }
        return fixed(s * 1e9, 0) + " ns"
    }
}
