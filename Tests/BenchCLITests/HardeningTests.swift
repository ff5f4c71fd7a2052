import BenchComparison
import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// Bad inputs and faults against the real binary: each is refused cleanly (one line, exit 2)
/// or becomes a row error, and no file bench should not touch is replaced.
@Suite("Hardening: outputs, locks and signals")
struct HardeningTests {
    /// A quick modeled run (deterministic, no measuring) writing to `out`.
    func run(out: String, _ extra: [String] = []) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(
            ["run", "--quick", "--backend", "h100", "--case", "^gemm/fp32/M=64,", "--out", out] + extra)
    }

    func expectRefused(_ r: BenchBinary.Result, _ message: String) {
        #expect(r.status == 2, "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    @Test("--out refuses a FIFO, a device node, a symlink and a read-only file, and leaves each as it was")
    func specialOutputs() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        expectRefused(try run(out: fifo), "not a regular file")
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)

        // A character device like /dev/null, made here (needs root; skipped otherwise).
        let device = dir.appendingPathComponent("null.csv").path
        if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 {  // major 1, minor 3
            expectRefused(try run(out: device), "not a regular file")
            #expect(lstat(device, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        }

        let target = dir.appendingPathComponent("target.csv").path
        try "keep me\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.csv").path
        #expect(symlink(target, link) == 0)
        expectRefused(try run(out: link), "symbolic link")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")

        let readOnly = dir.appendingPathComponent("ro.csv").path
        try "keep me too\n".write(toFile: readOnly, atomically: true, encoding: .utf8)
        #expect(chmod(readOnly, 0o444) == 0)
        expectRefused(try run(out: readOnly), "read-only")
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "keep me too\n")

        expectRefused(try run(out: ""), "the path is empty")
        // compare --out obeys the same rule.
        let good = dir.appendingPathComponent("good.csv").path
        #expect(try run(out: good).status == 0)
        let c = try BenchBinary.locate().run(["compare", good, good, "--out", fifo])
        expectRefused(c, "not a regular file")
    }

    @Test("--baseline X --out X is refused before the baseline is touched; so is compare --out onto an input")
    func baselineIsOut() throws {
        let dir = try temporaryDirectory()
        let base = dir.appendingPathComponent("base.csv").path
        #expect(try run(out: base).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: base))
        let link = dir.appendingPathComponent("alias.csv").path
        #expect(symlink(base, link) == 0)
        expectRefused(try run(out: base, ["--baseline", link]), "of the --baseline; the run would overwrite it")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before)
        expectRefused(try BenchBinary.locate().run(["compare", base, base, "--out", base]), "is the input")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before)
    }

    @Test(
        "a second run with the same --out refuses at start naming the first run's pid; the first run's files are intact"
    )
    func concurrentRuns() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("shared.csv").path
        // A measured run long enough to be caught in the middle.
        let first = try bench.start([
            "run", "--quick", "--backend", "cpu-blas", "--threads", "1", "--budget", "0.5", "--out", out,
        ])
        let lock = dir.appendingPathComponent(".shared.csv.lock").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: lock) { Thread.sleep(forTimeInterval: 0.05) }
        let second = try run(out: out)
        expectRefused(second, "another bench run (pid \(first.process.processIdentifier))")
        first.process.waitUntilExit()
        _ = first.out.fileHandleForReading.readAllRetryingInterrupts()
        #expect(first.process.terminationStatus == 0)
        let set = try ResultSet(path: out)
        #expect(set.rows.allSatisfy { $0.backend == "cpu-blas" })
        #expect(!FileManager.default.fileExists(atPath: lock))
    }
}

@Suite("Hardening: catalogs, numbers, files bench writes and reads back")
struct HardeningInputTests {
    func bench(_ args: [String], in dir: URL? = nil) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(args, in: dir)
    }

    func expectRefused(_ r: BenchBinary.Result, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    /// A catalog overlay redefining h100 with one field changed.
    func overlay(_ dir: URL, model: String = "", peak: String = "989") throws -> String {
        let path = dir.appendingPathComponent("cat.json").path
        let text = """
            {"schema_version": 1, "catalog_version": "t", "currency": "USD", "devices": [{"name": "h100", "display_name": "H", "vendor": "v",
             "kind": "nvidia_gpu", "peak_dense_tflops": {"bf16": {"value": \(peak), "unit": "TFLOP/s", "source": "s", "date": "d"}},
             "memory_bandwidth_gb_per_s": {"value": 3350, "unit": "GB/s", "source": "s", "date": "d"}\(model)}], "instances": []}
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "catalog numbers out of range are refused naming file, device and field, never a crash",
        arguments: [
            (
                #", "model": {"compute_units": {"value": 1e300, "unit": "count", "source": "s", "date": "d"}}"#, "989",
                "model.compute_units"
            ),
            (
                #", "model": {"tile_m": {"value": 1e19, "unit": "elements", "source": "s", "date": "d"}}"#, "989",
                "model.tile_m"
            ),
            (
                #", "model": {"tile_n": {"value": 2.5, "unit": "elements", "source": "s", "date": "d"}}"#, "989",
                "whole number"
            ),
            (
                #", "model": {"launch_overhead_us": {"value": 1e308, "unit": "us", "source": "s", "date": "d"}}"#,
                "989", "launch_overhead_us"
            ),
            ("", "1e308", "peak_dense_tflops.bf16"),
        ])
    func catalogRanges(model: String, peak: String, field: String) throws {
        let dir = try temporaryDirectory()
        let r = try bench([
            "run", "--quick", "--backend", "h100", "--catalog", try overlay(dir, model: model, peak: peak),
            "--out", dir.appendingPathComponent("r.csv").path,
        ])
        expectRefused(r, field)
        #expect(r.stderr.contains("cat.json") && r.stderr.contains("h100"), "stderr: \(r.stderr)")
    }

    @Test("an overlay may add an instance of a shipped device")
    func overlayInstance() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("inst.json").path
        try """
        {"schema_version": 1, "catalog_version": "t", "currency": "USD", "devices": [], "instances": [{"name": "my.h100", "device": "h100",
         "device_count": 1, "provider": "me", "region": "here", "prices": {"on-demand": {"usd_per_hour": 2, "source": "s", "date": "d"}}}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try bench(["catalog", "--catalog", path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("my.h100"))
    }

    @Test("free text starting like a formula is neutralised in the CSV and reads back unchanged")
    func formulaInjection() throws {
        let dir = try temporaryDirectory()
        var row = makeRow(notes: "=HYPERLINK(\"http://x\")")
        row.device = "+cmd|' /C calc'!A0"
        let writer = try ResultWriter(destination: dir.appendingPathComponent("f.csv"))
        try writer.append(row, samples: SidecarRow(key: row.key, status: .ok))
        try writer.finish { rows in
            Sidecar(
                runID: row.runID, csvFile: "f.csv", suite: "matmul", startedAt: "a", finishedAt: "b",
                interrupted: false,
                environment: .unknown, rows: rows)
        }
        let text = try String(contentsOf: dir.appendingPathComponent("f.csv"), encoding: .utf8)
        #expect(text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\"") || text.contains(",'=HYPERLINK"), "\(text)")
        #expect(!text.contains(",=HYPERLINK") && !text.contains(",+cmd"))
        let back = try ResultSet(path: dir.appendingPathComponent("f.csv").path).rows[0]
        #expect(back.notes == row.notes && back.device == row.device)
    }

    @Test("hostile case ids and backends cannot break out of compare's markdown or JUnit XML")
    func escaping() {
        #expect(MarkdownText.code("a`b<img src=x onerror=alert(1)>|c") == "``a`b<img src=x onerror=alert(1)>\\|c``")
        #expect(MarkdownText.escaped("x|<script>`*[a](b)") == "x\\|&lt;script&gt;\\`\\*\\[a\\](b)")
    }

    @Test("run → merge → compare → merge: every file bench writes, bench reads")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        let a = dir.appendingPathComponent("a.csv").path, b = dir.appendingPathComponent("b.csv").path
        #expect(try bench(["run", "--quick", "--backend", "modeled", "--out", a]).status == 0)
        #expect(try bench(["run", "--quick", "--backend", "modeled", "--out", b]).status == 0)
        let m = dir.appendingPathComponent("m.csv").path
        let merged = try bench(["merge", a, b, "--prefer", "latest", "--out", m])
        #expect(merged.status == 0, "stderr: \(merged.stderr)")
        let c = try bench(["compare", a, m])
        #expect(c.status == 0, "stderr: \(c.stderr)")
        let m2 = dir.appendingPathComponent("m2.csv").path
        let again = try bench(["merge", m, a, "--prefer", "latest", "--out", m2])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try bench(["compare", m2, m]).status == 0)
    }

    @Test("compare refuses inconsistent input: another sidecar version, samples that are not the CSV's, no common row")
    func inconsistentCompare() throws {
        let dir = try temporaryDirectory()
        let a = dir.appendingPathComponent("a.csv").path
        #expect(
            try bench(["run", "--quick", "--backend", "measured", "--case", "^gemm/fp64/M=64,", "--out", a]).status == 0
        )
        let sidecar = dir.appendingPathComponent("a.json").path
        let original = try String(contentsOfFile: sidecar, encoding: .utf8)
        try original.replacingOccurrences(of: "\"schema_version\" : 1", with: "\"schema_version\" : 2").write(
            toFile: sidecar, atomically: true, encoding: .utf8)
        expectRefused(try bench(["compare", a, a]), "unknown sidecar schema_version 2")
        // Scale every sample 100×: they no longer describe the CSV's median.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
        var rows = try #require(json["rows"] as? [[String: Any]])
        for i in rows.indices { rows[i]["samples_s"] = (rows[i]["samples_s"] as? [Double] ?? []).map { $0 * 100 } }
        json["rows"] = rows
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: sidecar))
        expectRefused(try bench(["compare", a, a]), "is not the CSV's median_s")
        // The streamed reader's own refusals: a sample that is no JSON number, a second
        // samples_s, the key rows twice.
        let samplesKey = try #require(original.range(of: "\"samples_s\" : ["))
        for (text, message) in [
            (original.replacingCharacters(in: samplesKey, with: "\"samples_s\" : [01, "), "'01' is not a number"),
            (
                original.replacingCharacters(in: samplesKey, with: "\"samples_s\" : [], \"samples_s\" : ["),
                "the key \"samples_s\" appears twice"
            ),
            (
                original.replacingOccurrences(of: "\"run_id\" : ", with: "\"rows\" : [], \"run_id\" : "),
                "the key \"rows\" appears twice"
            ),
        ] {
            try text.write(toFile: sidecar, atomically: true, encoding: .utf8)
            expectRefused(try bench(["compare", a, a]), message)
        }
        try original.write(toFile: sidecar, atomically: true, encoding: .utf8)
        let t = dir.appendingPathComponent("t.csv").path
        #expect(try bench(["run", "--quick", "--suite", "training", "--backend", "h100", "--out", t]).status == 0)
        expectRefused(try bench(["compare", a, t, "--strict"]), "no row in common")
    }

    @Test("a merge syncs the file once, not once per row")
    func mergeSyncsOnce() throws {
        let dir = try temporaryDirectory()
        let writer = try ResultWriter(destination: dir.appendingPathComponent("m.csv"), syncsEachRow: false)
        for i in 0..<50 {
            let row = makeRow(caseID: "gemm/fp32/M=\(i + 1),N=8,K=8")
            try writer.append(row, samples: SidecarRow(key: row.key, status: .ok))
        }
        try writer.finish { rows in
            Sidecar(
                runID: "r", csvFile: "m.csv", suite: "matmul", startedAt: "a", finishedAt: "b", interrupted: false,
                environment: .unknown, rows: rows)
        }
        #expect(writer.syncCount == 1)
    }
}

@Suite("Hardening: signals and limits")
struct HardeningSignalTests {
    @Test("SIGTERM right after start still ends with 130 and a line, never a silent death")
    func earlySignal() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let p = try bench.start([
            "run", "--quick", "--backend", "measured", "--out", dir.appendingPathComponent("e.csv").path,
        ])
        #expect(waitUntilCatches(SIGTERM, pid: p.process.processIdentifier), "bench never installed its handler")
        kill(p.process.processIdentifier, SIGTERM)
        p.process.waitUntilExit()
        let err = String(decoding: p.err.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        #expect(p.process.terminationReason == .exit && p.process.terminationStatus == 130, "stderr: \(err)")
        #expect(err.contains("interrupted"), "stderr: \(err)")
    }

    @Test("a file-size limit (ulimit -f) is a write error with one line and exit 2, not SIGXFSZ")
    func fileSizeLimit() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [
            "-c", "ulimit -f 2; exec \"$0\" run --quick --suite training --backend modeled --out \"$1\"",
            bench.url.path,
            dir.appendingPathComponent("big.csv").path,
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 2, "stderr: \(text)")
        #expect(text.split(separator: "\n").count == 1 && text.contains("File too large"), "stderr: \(text)")
    }
}
