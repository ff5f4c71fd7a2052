import BenchCore
import BenchResults
import BenchTestSupport
import Testing

@Suite("Summaries over rounds")
struct RoundSummaryTests {
    func round(_ rows: [ResultRow]) -> ResultSet {
        ResultSet(path: "round.csv", columns: ResultSchema.columnNames, rows: rows, sidecar: nil)
    }

    @Test("the median over rounds is taken per case, backend and threads, and A/B divides the medians")
    func medians() throws {
        let rounds = [(1.0, 2.0), (3.0, 8.0), (2.0, 5.0)].map { blas, swift in
            round([
                makeRow(backend: "cpu-blas", median: blas), makeRow(backend: "cpu-swift", median: swift),
                makeRow(backend: "cpu-blas", threads: 2, median: blas / 2),
            ])
        }
        let s = try RoundSummary(rounds, metric: .medianSeconds, ratios: [BackendRatio("cpu-swift", "cpu-blas")])
        #expect(s.backends == ["cpu-blas", "cpu-swift"])
        #expect(s.files == 3)
        #expect(s.lines.map(\.threads) == [1, 2])
        #expect(s.lines[0].medians == ["cpu-blas": 2.0, "cpu-swift": 5.0])
        #expect(s.lines[0].ratios == [2.5])
        #expect(s.lines[1].medians == ["cpu-blas": 1.0])
        #expect(s.lines[1].ratios == [nil])  // no cpu-swift row at 2 threads
    }

    @Test("rows that are not ok do not count, and the median of an even count is the middle mean")
    func notOK() throws {
        let rounds = [
            round([makeRow(median: 1)]), round([makeRow(median: 4)]),
            round([makeRow(status: .verifyFailed, median: nil)]), round([makeRow(median: 2)]),
            round([makeRow(median: 3)]),
        ]
        let line = try #require(try RoundSummary(rounds, metric: .medianSeconds).lines.first)
        #expect(line.medians["cpu-blas"] == 2.5)
        #expect(line.rounds["cpu-blas"] == 4)
        #expect(line.rows["cpu-blas"] == 5)
    }

    @Test("a ratio naming a backend no file has, or no files at all, is bad input")
    func badInput() {
        #expect(
            throws: RoundSummaryError.unknownBackend(
                "numpy", ratio: BackendRatio("cpu-blas", "numpy"), known: ["cpu-blas"])
        ) {
            try RoundSummary([round([makeRow()])], metric: .tflops, ratios: [BackendRatio("cpu-blas", "numpy")])
        }
        #expect(throws: RoundSummaryError.noFiles) { try RoundSummary([], metric: .tflops) }
        #expect(BackendRatio(parsing: "cpu-blas/numpy") == BackendRatio("cpu-blas", "numpy"))
        for bad in ["cpu-blas", "/numpy", "a/b/c", "a/"] { #expect(BackendRatio(parsing: bad) == nil) }
    }
}
