import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("bench summarize end to end")
struct SummarizeCLITests {
    /// Two rounds of the modeled matmul rows (deterministic, fast), as the perf scripts make them.
    func rounds() throws -> [URL] {
        let dir = try temporaryDirectory()
        return try (1...2).map { i in
            let out = dir.appendingPathComponent("round\(i).csv")
            let r = try BenchBinary.locate().run(
                [
                    "run", "--suite", "matmul", "--quick", "--backend", "h100,a100", "--case", "^gemm/bf16/", "--out",
                    out.path,
                ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return out
        }
    }

    @Test("CSV output: one line per case and threads, each backend's median over the files, and the ratio")
    func csv() throws {
        let files = try rounds()
        let r = try BenchBinary.locate().run(
            ["summarize"] + files.map(\.path) + ["--metric", "tflops", "--ratio", "h100/a100", "--format", "csv"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "case_id,threads,h100,a100,h100/a100")
        let rows = try ResultReader.read(path: files[0].path).rows
        let cases = Array(Set(rows.map(\.caseID))).sorted()
        #expect(lines.count == 1 + cases.count)
        for c in cases {
            // Modeled rows are identical in both rounds, so the median is the row's value.
            let h100 = try #require(rows.first { $0.caseID == c && $0.backend == "h100" }?.tflops)
            let a100 = try #require(rows.first { $0.caseID == c && $0.backend == "a100" }?.tflops)
            let line = try #require(lines.first { $0.hasPrefix("\"\(c)\",") })
            let fields = line.split(separator: ",").suffix(3).compactMap { Double($0) }
            #expect(fields == [h100, a100, h100 / a100], "\(line)")
        }
    }

    @Test("the table names the metric and the rounds; bad input is one line and exit 2")
    func tableAndErrors() throws {
        let files = try rounds()
        let table = try BenchBinary.locate().run(["summarize"] + files.map(\.path))
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("median_s, median over 2 file(s):\ncase_id"))
        for args in [["--ratio", "h100/numpy"], ["--metric", "speed"], ["--ratio", "h100"], ["--format", "xml"]] {
            let r = try BenchBinary.locate().run(["summarize"] + files.map(\.path) + args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let missing = try BenchBinary.locate().run(["summarize", files[0].path, "/nonexistent/round.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/round.csv"))
    }
}
