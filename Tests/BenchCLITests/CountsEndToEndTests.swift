import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// `bench run --measure counts` and compare on counts, through the binary. The counted run
/// itself needs valgrind and a build valgrind can execute (not AVX-512): with an AVX-512 binary
/// the test checks the refusal instead; scripts/test runs this suite with the AVX2 binary too.
@Suite("Counts mode end to end (callgrind)")
struct CountsEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/counts")

    func bench(_ args: [String], in dir: URL? = nil, environment: [String: String] = [:]) throws
        -> BenchBinary.Result
    {
        try BenchBinary.locate().run(args, in: dir, environment: environment)
    }

    /// The ISA scripts/build recorded beside the binary, if it did.
    static func binaryISA() throws -> String? {
        let bin = try BenchBinary.locate().url.resolvingSymlinksInPath()
        let info = bin.deletingLastPathComponent().appendingPathComponent("bench.buildinfo.json")
        guard let data = try? Data(contentsOf: info),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return json["isa"] as? String
    }

    static var valgrindInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/valgrind")
        }
    }

    @Test(
        "what counts mode cannot honour is refused in one line with the fix, exit 2, nothing written",
        arguments: [
            (["--threads", "2"], "--threads: counts mode runs 1 thread"),
            (["--backend", "plugin:scripts/plugins/numpy_backend.py"], "callgrind does not count"),
            (["--blas-coretype", "Haswell"], "pins OpenBLAS to Haswell"),
            (["--count-calls", "0"], "--count-calls: must be 1 to 1000"),
            (["--jobs", "0"], "--jobs: must be 1 to 256"),
            (["--backend", "cpu-onednn"], "cpu-onednn generates its kernels at run time"),
        ])
    func refusals(extra: [String], message: String) throws {
        let dir = try temporaryDirectory()
        let r = try bench(
            ["run", "--suite", "matmul", "--quick", "--measure", "counts", "--out", "x.csv"] + extra, in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.csv").path))
    }

    @Test("a counted case: exact counts that repeat, verified, with the counting record; or the build's refusal")
    func countedCase() throws {
        let dir = try temporaryDirectory()
        let args = [
            "run", "--suite", "matmul", "--quick", "--case", "gemm/fp32/M=64,N=64,K=64", "--measure", "counts",
            "--out", "c.csv",
        ]
        if try Self.binaryISA() == "avx512" {
            let r = try bench(args, in: dir)
            #expect(r.status == 2)
            #expect(r.stderr.contains("valgrind 3.19 cannot execute; build with BENCH_ISA=avx2"), "\(r.stderr)")
            return
        }
        // Without valgrind on the PATH: the fix, in one line.
        let missing = try bench(args, in: dir, environment: ["PATH": dir.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("apt-get install valgrind"), "\(missing.stderr)")
        guard Self.valgrindInstalled else { return }
        // A modeled backend has nothing to count.
        let modeled = try bench(args + ["--backend", "trainium1"], in: dir)
        #expect(modeled.status == 2)
        #expect(modeled.stderr.contains("trainium1 is modeled, so there is nothing to count"), "\(modeled.stderr)")
        let r = try bench(args + ["--backend", "measured"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let set = try ResultSet(path: dir.appendingPathComponent("c.csv").path)
        #expect(set.rows.count == 2)
        #expect(set.rows.allSatisfy { $0.status == .ok && $0.notes.contains("verified") && $0.medianSeconds == nil })
        #expect(set.rows.allSatisfy { ($0.instructions ?? 0) > 10_000 && ($0.estimatedCycles ?? 0) > 0 })
        #expect(set.rows.allSatisfy { $0.runID == set.sidecar?.runID })
        #expect(set.sidecar?.counting?.tool == "callgrind")
        #expect(set.sidecar?.environment.blas?.coreName == "Haswell")
        #expect(!set.sidecarRows.isEmpty && set.sidecarRows.allSatisfy { $0.counts != nil })
        // Each row is counted in a process of its own: the same counts, to the last miss, for
        // the row alone, one job at a time, under another output name.
        let alone = try bench(
            [
                "run", "--quick", "--suite", "matmul", "--case", "gemm/fp32/M=64,N=64,K=64", "--measure", "counts",
                "--backend",
                "cpu-swift", "--jobs", "1", "--out", "another-name.csv",
            ], in: dir)
        #expect(alone.status == 0, "\(alone.stderr)")
        let single = try ResultSet(path: dir.appendingPathComponent("another-name.csv").path)
        let swift = set.rows.first { $0.backend == .cpuSwift }
        #expect(single.rows.count == 1)
        #expect(
            single.rows.map { [$0.instructions, $0.l1Misses, $0.llMisses] }
                == [[swift?.instructions, swift?.l1Misses, swift?.llMisses]])
        let compared = try bench(["compare", "c.csv", "c.csv"], in: dir)
        #expect(compared.status == 0)
        #expect(compared.stdout.contains("exact (counted)") && !compared.stdout.contains("noisy"))
    }

    @Test("--jobs is refused in a timed run, in one line")
    func jobsNeedCounts() throws {
        let dir = try temporaryDirectory()
        let r = try bench(["run", "--suite", "matmul", "--quick", "--jobs", "2", "--out", "x.csv"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--jobs: applies to --measure counts"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.csv").path))
    }

    @Test("compare on counted files: a 2% change is regressed at the 1% default; counts against times exit 2")
    func compareCounts() throws {
        let r = try bench(["compare", "base.csv", "regressed.csv"], in: Self.fixtures)
        #expect(r.status == 1)
        let regressed = r.stdout.split(separator: "\n").filter { $0.hasPrefix("regressed") }
        #expect(regressed.count == 1 && regressed[0].contains("gemm/fp32/M=128,N=128,K=128  cpu-swift"))
        #expect(r.stdout.contains("metric: est_cycles"))
        #expect(try bench(["compare", "base.csv", "base.csv"], in: Self.fixtures).status == 0)
        let mixed = try bench(["compare", "base.csv", "../compare/baseline.csv"], in: Self.fixtures)
        #expect(mixed.status == 2)
        #expect(
            mixed.stderr.contains("holds counts (bench run --measure counts) and ../compare/baseline.csv holds times"))
        let timedMetric = try bench(
            ["compare", "../compare/baseline.csv", "../compare/same.csv", "--metric", "instructions"], in: Self.fixtures
        )
        #expect(timedMetric.status == 2)
        #expect(timedMetric.stderr.contains("has no counts; write it with bench run --measure counts"))
    }

    @Test("compare --format bmf: the candidate's counts per benchmark, as Bencher reads them")
    func compareBMF() throws {
        let r = try bench(
            ["compare", "base.csv", "regressed.csv", "--format", "bmf", "--metric", "instructions"], in: Self.fixtures)
        #expect(r.status == 1)
        let doc = try JSONDecoder().decode(
            [String: [String: BencherMetricFormat.Value]].self, from: Data(r.stdout.utf8))
        #expect(doc.count == 6)
        #expect(doc.values.allSatisfy { ($0["instructions"]?.value ?? 0) > 0 })
        #expect(doc["matmul/gemm/fp32/M=128,N=128,K=128/cpu-swift/threads=1"] != nil)
    }
}
