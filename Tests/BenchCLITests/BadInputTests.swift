import BenchTestSupport
import Foundation
import Testing

@Suite("bench run: bad input gets one line and exit 2")
struct BadInputTests {
    static let cases: [([String], String)] = [
        (["run", "--suite", "nosuch"], "unknown suite 'nosuch' (valid: matmul"),
        (["run", "--backend", "cpu-blas,gpu9"], "unknown backend 'gpu9' (valid: cpu-blas, cpu-swift"),
        (["run", "--dtype", "fp4"], "unknown dtype 'fp4' (valid: bf16, fp32, fp64, fp8)"),
        (["run", "--case", "gemm/(fp32"], "is not a valid regular expression"),
        (["run", "--case", "^conv/"], "matches no case of suite matmul"),
        (["run", "--threads", "0"], "--threads must be at least 1"),
        (["run", "--threads", "-3"], "--threads"),
        (["run", "--threads", "abc"], "abc"),
        (["run", "--budget", "0"], "--budget must be a positive number"),
        (["run", "--budget", "-1"], "--budget"),
        (["run", "--min-samples", "2"], "--min-samples must be at least 6"),
        (["run", "--out", "/nonexistent-dir-bench/x.csv"], "directory '/nonexistent-dir-bench' does not exist"),
        (["run", "--add-case", "gemm/fp64/M=40000,N=40000,K=40000"], "refused before allocating"),
        (["run", "--add-case", "gemm/fp32/M=0,N=1,K=1"], "M=0 must be positive"),
        (
            ["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=4,D=8,H=16,opt=lion"],
            "unknown optimizer 'lion' (valid: sgd, adamw)"
        ),
        (["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=0,D=8,H=16,opt=sgd"], "B=0 must be positive"),
        (
            ["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=60000,D=60000,H=60000,opt=sgd"],
            "refused before allocating"
        ),
        (["run", "--host-instance", "z9.mega"], "unknown instance 'z9.mega'"),
        (["run", "--price", "p9.huge=3"], "unknown instance 'p9.huge'"),
        (["run", "--price", "p5.48xlarge=-3"], "expected INSTANCE=USD with a positive price"),
        (["run", "--pricing", "cheap"], "unknown basis 'cheap'"),
        (["run", "--host-price", "0"], "--host-price must be a positive number"),
        (["run", "--catalog", "/nonexistent/catalog.json"], "cannot read the file"),
        (["run", "--baseline", "/nonexistent/base.csv"], "--baseline: '/nonexistent/base.csv' does not exist"),
        (["run", "--blas-coretype", "Pentium9"], "unknown core type 'Pentium9'"),
        (["run", "--frobnicate"], "frobnicate"),
        (["list", "--suite", "nosuch"], "unknown suite 'nosuch'"),
        // Negative numbers reach their own rule, not "Missing value".
        (["run", "--threads", "-1"], "--threads must be at least 1 (got -1)"),
        (["run", "--budget", "-1"], "--budget must be a positive number of seconds (got -1.0)"),
        (["run", "--host-price", "-1"], "--host-price must be a positive number of USD per hour (got -1.0)"),
        (["run", "--min-samples", "200000"], "--min-samples 200000 is above the sample cap of 100000"),
        (["run", "--threads", "100000"], "more than 4× this machine's"),
        (["run", "--out", ""], "the path is empty"),
        (["run", "--rounds", "0"], "'0' is not a number of rounds (a whole number from 1 to 1000)"),
        (["run", "--rounds", "-2"], "'-2' is not a number of rounds"),
        (["run", "--rounds", "many"], "'many' is not a number of rounds"),
        (["run", "--rounds", "1001"], "'1001' is not a number of rounds"),
        (["run", "--preset", "nightly"], "unknown preset 'nightly' (valid: full, quick, ci)"),
        (["run", "--preset", "ci"], "--quick and --preset ci ask for two case lists; give one"),
        (["list", "--preset", "nightly"], "unknown preset 'nightly'"),
        (["merge", "a.csv", "b.csv", "--out", "m.csv", "--prefer", "oldest"], "--prefer takes 'latest' or 'rounds'"),
    ]

    @Test("bad input is refused before any case runs", arguments: cases)
    func refused(arguments: [String], message: String) throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let r = try bench.run(
            arguments + ["--quick"].filter { _ in arguments.first == "run" && !arguments.contains("--frobnicate") },
            in: dir)
        #expect(r.status == 2, "stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(r.stderr)")
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(r.stdout.isEmpty)
        // Nothing was run, so nothing was written.
        let results = dir.appendingPathComponent("results").path
        let written = (try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []
        #expect(written.isEmpty, "files written: \(written)")
    }

    @Test("an --out whose parent is a regular file is refused")
    func parentIsFile() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("plain")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let r = try bench.run(["run", "--quick", "--out", file.appendingPathComponent("x.csv").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("is a file, not a directory"), "stderr: \(r.stderr)")
    }
}
