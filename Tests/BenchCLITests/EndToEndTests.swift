import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("bench run end to end", .serialized)
struct EndToEndTests {
    @Test("a --quick matmul run writes a CSV and sidecar that parse and agree")
    func quickRun() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("quick.csv")
        let r = try bench.run([
            "run", "--suite", "matmul", "--quick", "--backend", "measured", "--threads", "2", "--out", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("results: \(out.path)"))
        #expect(r.stdout.contains("% peak"))
        let (columns, rows) = try ResultReader.read(path: out.path)
        #expect(Array(columns.prefix(ResultSchema.requiredCount)) == ResultSchema.requiredColumnNames)
        let quickCases = MatmulSuite().cases(quick: true)
        #expect(rows.count == quickCases.count * 2)
        #expect(Set(rows.map(\.backend)) == ["cpu-blas", "cpu-swift"])
        #expect(Set(rows.map(\.runID)).count == 1)
        // cpu-swift's bf16 GEMM runs where the CPU has bf16 instructions (AMX or avx512_bf16).
        let flags = Set(HostProbe.cpuInfo().flags)
        let hostBF16 = flags.contains("amx_bf16") || flags.contains("avx512_bf16")
        for row in rows {
            #expect(row.threads == 2)
            #expect(row.throughputUnit == "calls/s")
            #expect(row.priceUSDPerHour == nil)
            if row.dtype == "fp8" || (row.dtype == "bf16" && (row.backend == "cpu-blas" || !hostBF16)) {
                // Unsupported, with the reason: OpenBLAS has no bf16 GEMM, no CPU kernel has fp8.
                #expect(row.status == .unsupported)
                let why =
                    row.dtype == "fp8"
                    ? "has no fp8" : row.backend == "cpu-blas" ? "has no bf16 GEMM" : "neither avx512_bf16 nor AMX"
                #expect(row.notes.contains(why), "\(row.notes)")
                continue
            }
            #expect(row.status == .ok, "\(row.caseID) \(row.backend): \(row.notes)")
            #expect(row.samples >= 6)
            #expect(row.notes.contains("verified"))
        }
        let sidecar = try ResultReader.readSidecar(path: dir.appendingPathComponent("quick.json").path)
        #expect(sidecar.csvFile == "quick.csv")
        #expect(!sidecar.interrupted)
        #expect(sidecar.rows.map(\.key) == rows.map(\.key))
        for (s, row) in zip(sidecar.rows, rows) where row.status == .ok {
            #expect(s.samplesSeconds.count == row.samples)
            let median = Summary(s.samplesSeconds).median
            #expect(abs(median - (row.medianSeconds ?? 0)) <= 1e-12 * max(1, median))
        }
        #expect(sidecar.environment.threads == 2)
        #expect(!sidecar.environment.cpuModel.isEmpty)
        #expect(sidecar.environment.blas?.library == "OpenBLAS")
        // The probe at the run's threads (what MFU uses) and at 1 thread, per dtype, with spreads.
        // bf16 too where the CPU has bf16 instructions: cpu-swift's bf16 rows take their MFU from it.
        let probed: [DType] = hostBF16 ? [.bf16, .fp32, .fp64] : [.fp32, .fp64]
        #expect(sidecar.environment.peak.filter { $0.threads == 2 }.map(\.dtype).sorted() == probed)
        #expect(sidecar.environment.peak.filter { $0.threads == 1 }.map(\.dtype).sorted() == probed)
        // Every start-up probe carries its spread; only a peak raised by a re-probe during the run
        // (a busy host can slow the start-up probe) carries none, and only at the run's threads.
        for entry in sidecar.environment.peak {
            if let spread = entry.spread {
                #expect(spread >= 0 && spread < 1, "\(entry)")
            } else {
                #expect(entry.threads == 2, "a 1-thread probe is never raised: \(entry)")
            }
        }
        #expect(sidecar.environment.noise != nil)
    }

    @Test("--backend and --dtype select exactly the requested rows")
    func selection() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("sel.csv")
        let r = try bench.run([
            "run", "--quick", "--backend", "cpu-swift", "--dtype", "fp64", "--out", out.path, "--threads", "1",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try ResultReader.read(path: out.path).rows
        #expect(rows.allSatisfy { $0.backend == "cpu-swift" && $0.dtype == "fp64" })
        #expect(rows.count == 2)
    }

    @Test("Ctrl-C keeps every finished row and writes the sidecar")
    func interrupt() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("int.csv")
        // The quick cases finish in about 0.1 s each (100 samples of ~1 ms); the added
        // large case last needs 100 samples of ~0.1 s, so the run is interrupted inside it.
        let p = try bench.start([
            "run", "--quick", "--backend", "measured", "--dtype", "fp32,fp64", "--min-samples", "100", "--threads", "1",
            "--rounds", "1", "--out", out.path,
            "--add-case", "gemm/fp64/M=2000,N=2000,K=2000",
        ])
        let partial = dir.appendingPathComponent(".int.csv.\(p.process.processIdentifier).partial")
        var lines = 0
        for _ in 0..<600 {  // up to 60 s
            Thread.sleep(forTimeInterval: 0.1)
            if let text = try? String(contentsOf: partial, encoding: .utf8) {
                lines = text.split(separator: "\n").count
                if lines >= 3 { break }  // header + two finished rows
            }
        }
        #expect(lines >= 3, "no rows finished in time")
        kill(p.process.processIdentifier, SIGINT)
        p.process.waitUntilExit()
        _ = p.out.fileHandleForReading.readAllRetryingInterrupts()
        let err = String(decoding: p.err.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        #expect(p.process.terminationStatus == 130, "stderr: \(err)")
        #expect(err.contains("finished rows saved"))
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        let rows = try ResultReader.read(path: out.path).rows
        #expect(rows.count >= 1)
        #expect(rows.count >= 2)
        #expect(rows.count < (MatmulSuite().cases(quick: true).count + 1) * 2 - 2)
        #expect(rows.allSatisfy { $0.status == .ok })
        let sidecar = try ResultReader.readSidecar(path: dir.appendingPathComponent("int.json").path)
        #expect(sidecar.interrupted)
        #expect(sidecar.rows.map(\.key) == rows.map(\.key))
    }

    @Test("Ctrl-C between rounds saves every row as its rounds so far describe it")
    func interruptBetweenRounds() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("int.csv")
        let marker = dir.appendingPathComponent("round2")
        // The plugin runs first in each case; on the first case's round 2 it writes the marker
        // and never answers: every row, its own included, is then exactly one round in.
        let hostile = PluginTests.fixtures.appendingPathComponent("hostile.py").path
        let p = try bench.start([
            "run", "--quick", "--backend", "plugin:\(hostile),measured", "--dtype", "fp32,fp64", "--threads", "1",
            "--rounds", "3", "--plugin-arg", "hang-again=\(marker.path)", "--out", out.path,
        ])
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker.path), Date() < deadline, p.process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(FileManager.default.fileExists(atPath: marker.path), "round 2 never started")
        kill(p.process.processIdentifier, SIGINT)
        p.process.waitUntilExit()
        _ = p.out.fileHandleForReading.readAllRetryingInterrupts()
        let err = String(decoding: p.err.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        #expect(p.process.terminationStatus == 130, "stderr: \(err)")
        let set = try ResultSet(path: out.path)
        let measured = MatmulSuite().cases(quick: true).filter { $0.dtype == .fp32 || $0.dtype == .fp64 }
        #expect(set.rows.count == measured.count * 3, "stderr: \(err)")
        for row in set.rows {
            #expect(row.status == .ok, "\(row.key): \(row.notes)")
            #expect(row.rounds == 1)
            #expect(row.notes.hasPrefix("interrupted after 1 of 3 rounds"))
            #expect(set.rounds(for: row.key)?.count == 1)
            // The typed marker in the sidecar says the same.
            #expect(
                set.sidecarRow(for: row.key)?.cutShort == CutShort(roundsDone: 1, roundsPlanned: 3))
        }
        #expect(try #require(set.sidecar).interrupted)
    }

    @Test("a --quick training run reports tokens/s, MFU and tokens per step")
    func quickTraining() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("train.csv")
        let r = try bench.run([
            "run", "--suite", "training", "--quick", "--backend", "measured", "--dtype", "fp32", "--threads", "2",
            "--out", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let (columns, rows) = try ResultReader.read(path: out.path)
        #expect(columns == ResultSchema.columnNames)
        #expect(
            Array(columns[ResultSchema.requiredCount...].prefix(5)) == [
                "mfu", "tokens_per_step", "bound", "perf_per_dollar", "catalog_version",
            ])
        #expect(rows.count == TrainingSuite().cases(quick: true).filter { $0.dtype == .fp32 }.count * 2)
        for row in rows {
            #expect(row.status == .ok, "\(row.caseID) \(row.backend): \(row.notes)")
            let kc = try KernelRegistry.builtIn.validatedCase(row.caseID)
            let spec = try #require(KernelRegistry.builtIn.spec(named: row.kernel))
            #expect(row.throughputUnit == spec.throughputUnit)
            #expect(row.flops == spec.flops(kc))
            if row.kernel == "mlp_step" { #expect(row.flops == 12 * 16 * 32 * 64) }
            let mfu = try #require(row.mfu)
            #expect(mfu > 0 && mfu < 1.5)
            #expect(row.tokensPerStep == spec.tokensPerStep(kc))
            let units = spec.unitsPerCall(kc)
            #expect(abs((row.throughput ?? 0) - units / (row.medianSeconds ?? 1)) < 1e-6 * (row.throughput ?? 1))
        }
    }

    @Test("modeled and measured rows together, with cost columns wherever a price is known")
    func costs() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("cost.csv")
        let r = try bench.run([
            "run", "--suite", "training", "--quick", "--case", "^mlp_step/", "--host-price", "0.5", "--out", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("price-performance ranking"))
        let (columns, rows) = try ResultReader.read(path: out.path)
        #expect(columns == ResultSchema.columnNames)
        let h100 = try #require(rows.first { $0.backend == "h100" && $0.dtype == "bf16" })
        #expect(h100.backendKind == .modeled)
        #expect(h100.samples == 0 && h100.p10Seconds == nil && h100.ciLowSeconds == nil)
        #expect(abs((h100.priceUSDPerHour ?? 0) - 55.04 / 8) < 1e-9)
        let throughput = try #require(h100.throughput), tflops = try #require(h100.tflops)
        #expect(
            abs((h100.usdPerMillionUnits ?? 0) - 55.04 / 8 / 3600 / throughput * 1e6) < 1e-9
                * (h100.usdPerMillionUnits ?? 1))
        #expect(abs((h100.usdPerPFLOP ?? 0) - 55.04 / 8 / (tflops * 3.6)) < 1e-9 * (h100.usdPerPFLOP ?? 1))
        #expect(h100.bound != nil)
        #expect(h100.catalogVersion?.isEmpty == false)
        let blas = try #require(rows.first { $0.backend == "cpu-blas" && $0.dtype == "fp32" })
        #expect(blas.priceUSDPerHour == 0.5)
        #expect(blas.usdPerMillionUnits != nil)
        #expect(rows.first { $0.backend == "cpu-blas" && $0.dtype == "bf16" }?.status == .unsupported)
    }

    @Test(
        "bench calibrate writes a host profile, and --with-model adds the model's prediction and error to measured rows"
    )
    func calibrateAndPredict() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        var profile = dir.appendingPathComponent("host.json").path
        // On a loaded machine the FMA probe can read below a GEMM: calibrate then refuses to
        // write a wrong profile (exit 1, one line saying so). That is the right answer there,
        // so accept it, try twice more, and fall back to a profile calibrate wrote earlier
        // to test --with-model.
        var written = false
        for _ in 0..<3 {
            let c = try bench.run(["calibrate", "--quick", "--out", profile])
            if c.status == 0 {
                #expect(c.stdout.contains("STREAM triad"))
                let catalog =
                    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: profile)))
                    as? [String: Any]
                let devices = try #require(catalog?["devices"] as? [[String: Any]])
                #expect(Set(devices.compactMap { $0["name"] as? String }) == ["host-cpu-blas", "host-cpu-swift"])
                written = true
                break
            }
            #expect(c.status == 1, "stderr: \(c.stderr)")
            #expect(
                c.stderr.contains("the probe was disturbed") && c.stderr.contains("no profile written"),
                "stderr: \(c.stderr)")
            #expect(!FileManager.default.fileExists(atPath: profile))
        }
        if !written {
            profile =
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                    "Fixtures/host-profile.json"
                ).path
        }
        let out = dir.appendingPathComponent("wm.csv").path
        let r = try bench.run([
            "run", "--quick", "--backend", "measured", "--dtype", "fp32", "--with-model", profile, "--out", out,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("host model vs measured: median absolute prediction error"))
        let rows = try ResultReader.read(path: out).rows.filter { $0.status == .ok }
        #expect(!rows.isEmpty)
        for row in rows {
            let predicted = try #require(row.modelSeconds)
            let measured = try #require(row.medianSeconds)
            #expect(abs(try #require(row.modelError) - (predicted / measured - 1)) < 1e-9)
        }
        let bad = try bench.run(["run", "--quick", "--with-model", out])
        #expect(bad.status == 2)
    }

    @Test("bench list shows suites, cases, backends and the measured peak")
    func list() throws {
        let r = try BenchBinary.locate().run(["list", "--quick", "--threads", "1"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("gemm/fp32/M=64,N=64,K=64"))
        #expect(r.stdout.contains("cpu-blas"))
        #expect(r.stdout.contains("cpu-swift"))
        #expect(r.stdout.contains("host peak (measured FMA loop, 1 thread): fp32"))
    }
}
