import BenchComparison
import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("The result schema table: writer, reader and docs follow one table")
struct ResultSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("docs/results-schema.md lists exactly the schema's columns, in order, with their revisions")
    func docsFollowTheTable() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/results-schema.md"), encoding: .utf8)
        // Rows of the column table look like: | `name` | 1.2 | type | meaning |
        let documented = doc.split(separator: "\n").compactMap { line -> (String, String)? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`"),
                cells[2].range(of: #"^\d+\.\d+$"#, options: .regularExpression) != nil
            else { return nil }
            return (String(cells[1].dropFirst().dropLast()), cells[2])
        }
        #expect(documented.map(\.0) == ResultSchema.columnNames)
        #expect(documented.map(\.1) == ResultSchema.columns.map(\.since))
        #expect(doc.contains(ResultSchema.columnNames.joined(separator: ",")), "the documented header is out of date")
    }

    @Test("revisions only grow along the row, and the required prefix is revision 1.0")
    func revisionsGrow() {
        let since = ResultSchema.columns.map(\.since)
        #expect(since == since.sorted { $0.compare($1, options: .numeric) == .orderedAscending })
        #expect(ResultSchema.requiredCount == 28)
        #expect(ResultSchema.revision == since.last)
    }

    @Test("every typed field survives a write and a read, a signed model error included")
    func typedRoundTrip() throws {
        let dir = try temporaryDirectory()
        var row = makeRow(caseID: "mlp_step/fp32/B=16,D=32,H=64,opt=sgd")
        row.mfu = 0.25
        row.tokensPerStep = 16
        row.bound = .memory
        row.perfPerDollar = 1234.5
        row.catalogVersion = "2026.11.26-1"
        row.pluginOverheadSeconds = 3.5e-5
        row.modelSeconds = 0.0009
        row.modelError = -0.1
        row.energyJPerUnit = 2.5e-4
        row.energySource = .modeled
        let writer = try ResultWriter(destination: dir.appendingPathComponent("r.csv"))
        try writer.append(
            row,
            samples: SidecarRow(
                key: row.key, status: .ok, samplesSeconds: Array(repeating: 0.001, count: 10), callsPerSample: 1))
        try writer.finish { rows in
            Sidecar(
                runID: row.runID, csvFile: "r.csv", suite: "training", startedAt: "a", finishedAt: "b",
                interrupted: false,
                environment: .unknown, rows: rows)
        }
        let read = try ResultSet(path: dir.appendingPathComponent("r.csv").path)
        #expect(read.rows == [row])
    }

    @Test(
        "every committed baseline reads back whatever its revision, and the columns it predates stay empty",
        arguments: [
            "measured-matmul-quick.csv", "measured-matmul-ci.csv", "modeled-matmul-quick.csv", "modeled-matmul-ci.csv",
            "modeled-training-quick.csv", "modeled-training-ci.csv",
        ])
    func baselinesRead(file: String) throws {
        let set = try ResultSet(path: Self.root.appendingPathComponent("results/baselines/\(file)").path)
        #expect(!set.rows.isEmpty)
        let predates: [(String, (ResultRow) -> Double?)] = [
            ("plugin_overhead_s", \.pluginOverheadSeconds), ("model_s", \.modelSeconds),
            ("energy_j_per_unit", \.energyJPerUnit),
        ]
        for (column, value) in predates where !set.columns.contains(column) {
            #expect(set.rows.allSatisfy { value($0) == nil }, "\(column)")
        }
    }

    @Test("the baselines span revisions: one predates model_s (revision 1.3), the modeled ones are current")
    func baselineRevisions() throws {
        func columns(_ file: String) throws -> [String] {
            try ResultSet(path: Self.root.appendingPathComponent("results/baselines/\(file)").path).columns
        }
        #expect(!(try columns("measured-matmul-quick.csv")).contains("model_s"))
        #expect(try columns("modeled-matmul-quick.csv") == ResultSchema.columns.map(\.name))
    }

    @Test("compare can gate on MFU and perf per dollar, higher being better")
    func typedMetrics() {
        var a = makeRow(), b = makeRow()
        a.mfu = 0.5
        b.mfu = 0.4
        a.perfPerDollar = 100
        b.perfPerDollar = 100
        #expect(Metric.mfu.value(in: b) == 0.4)
        #expect(Metric.mfu.higherIsBetter && Metric.perfPerDollar.higherIsBetter)
        var options = ComparisonOptions()
        options.metric = .mfu
        let report = Comparator.compare(
            ResultSet(path: "a", columns: ResultSchema.columnNames, rows: [a], sidecar: nil),
            ResultSet(path: "b", columns: ResultSchema.columnNames, rows: [b], sidecar: nil), options: options)
        #expect(report.rows.first?.slowdown == 0.5 / 0.4)
        options.metric = .perfPerDollar
        let same = Comparator.compare(
            ResultSet(path: "a", columns: ResultSchema.columnNames, rows: [a], sidecar: nil),
            ResultSet(path: "b", columns: ResultSchema.columnNames, rows: [b], sidecar: nil), options: options)
        #expect(same.rows.first?.verdict == .unchanged)
    }
}
