import BenchTestSupport
import Foundation
import Testing

/// Bad Llama-style shapes through the binary: one line naming what is wrong, exit 2, nothing written.
@Suite("Llama-style cases end to end")
struct LlamaCasesEndToEndTests {
    @Test(
        "a bad head layout is refused before anything runs",
        arguments: [
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=3", "kv_heads=3 does not divide heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=8", "kv_heads=8 is above heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=3,kv_heads=1", "heads=3 does not divide D=16"),
            ("rope_fwd_bwd/fp32/B=1,S=8,D=15,heads=5", "the head dimension D/heads = 3 is odd"),
        ])
    func badShape(id: String, reason: String) throws {
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run(
            ["run", "--suite", "training", "--quick", "--add-case", id, "--out", "x.csv"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(reason), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.csv").path))
    }
}

/// `--max-case-seconds` through the binary: the skipped row is written with its reason, and bench
/// reads the file back.
@Suite("--max-case-seconds end to end")
struct MaxCaseSecondsEndToEndTests {
    @Test("a host row over the limit is skipped with its reason, exit 0, and bench reads the file back")
    func skippedRowReadsBack() throws {
        let dir = try temporaryDirectory()
        let bench = try BenchBinary.locate()
        let r = try bench.run(
            [
                "run", "--quick", "--case", "^gemm/fp32/", "--backend", "cpu-swift,h100", "--max-case-seconds",
                "1e-9", "--out", "x.csv",
            ], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("x.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty)
        #expect(rows.filter { $0.contains(",cpu-swift,") }.allSatisfy { $0.contains(",skipped,") })
        #expect(rows.contains { $0.contains(",h100,") && $0.contains(",ok,") }, "modeled rows are not held to it")
        #expect(csv.contains("over --max-case-seconds 1e-09; pass --max-case-seconds 0 to run it"))
        let summary = try bench.run(["summarize", "x.csv"], in: dir)
        #expect(summary.status == 0, "\(summary.stderr)")
        let report = try bench.run(["report", "x.csv", "--out", "x.html"], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
    }
}
