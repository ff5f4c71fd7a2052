import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// `cpu-onednn` through the binary: a real bf16 row where oneDNN and a bf16 CPU are present,
/// and the rows of a host without oneDNN (simulated with `BENCH_DNNL_LIBRARY`).
@Suite("cpu-onednn end to end")
struct OneDNNEndToEndTests {
    @Test("without oneDNN every cpu-onednn row is unsupported with the install line; the run still succeeds")
    func missingLibrary() throws {
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "matmul", "--quick", "--backend", "cpu-onednn", "--dtype", "fp32,bf16", "--out",
                "x.csv",
            ], in: dir, environment: ["BENCH_DNNL_LIBRARY": "libbench-missing.so.9"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try ResultSet(path: dir.appendingPathComponent("x.csv").path).rows
        #expect(!rows.isEmpty)
        #expect(rows.allSatisfy { $0.status == .unsupported && $0.notes.contains("apt-get install libdnnl2") })
        #expect(rows.allSatisfy { $0.device.contains("oneDNN missing") })
    }
}
