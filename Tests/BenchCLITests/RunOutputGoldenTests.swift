import BenchCore
import BenchTestSupport
import Foundation
import Testing

/// `bench run`'s terminal output (the table of rows and the price-performance ranking) on
/// modeled rows, which are deterministic, against golden files, the way swift-argument-parser
/// snapshots its help text. Re-record on purpose with `BENCH_RECORD_GOLDEN=1 swift test
/// --filter RunOutputGoldenTests` and review the diff.
@Suite("bench run's table and ranking match their golden files")
struct RunOutputGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/run/golden")

    /// Replaces what differs between hosts and runs: the output folder and the host's BLAS and kernel line.
    static func normalized(_ text: String, dir: URL) -> String {
        text.replacingOccurrences(of: dir.path, with: "<dir>")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("OpenBLAS core: ") ? "OpenBLAS core: <host>" : String($0) }
            .joined(separator: "\n")
    }

    @Test("modeled --quick runs print the golden table and ranking", arguments: ["matmul", "training"])
    func modeledRun(suite: String) throws {
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", suite, "--quick", "--backend", "modeled", "--threads", "2", "--out",
                dir.appendingPathComponent("run.csv").path,
            ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let text = Self.normalized(r.stdout, dir: dir)
        let file = Self.golden.appendingPathComponent("\(suite)-modeled-quick.txt")
        if ProcessInfo.processInfo.environment["BENCH_RECORD_GOLDEN"] == "1" {
            // Recording is never a pass: the test fails once, naming the file to review.
            try text.write(to: file, atomically: true, encoding: .utf8)
            Issue.record(
                "re-recorded \(file.lastPathComponent); review the diff and run again without BENCH_RECORD_GOLDEN")
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected)
    }
}
