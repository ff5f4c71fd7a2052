import BenchCore
import BenchTestSupport
import Foundation
import Testing

/// Bad inputs and faults against the real binary: each is refused cleanly (one line, exit 2)
/// or becomes a row error, and no file bench should not touch is replaced.
@Suite("Hardening: outputs, locks and signals")
struct HardeningTests {
    /// A quick modeled run (deterministic, no measuring) writing to `out`.
    func run(out: String, _ extra: [String] = []) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(["run", "--quick", "--backend", "h100", "--case", "^gemm/fp32/M=64,", "--out", out] + extra)
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
        expectRefused(try run(out: base, ["--baseline", link]), "is the --baseline file")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before)
        expectRefused(try BenchBinary.locate().run(["compare", base, base, "--out", base]), "is the input")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == before)
    }

    @Test("a second run with the same --out refuses at start naming the first run's pid; the first run's files are intact")
    func concurrentRuns() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("shared.csv").path
        // A measured run long enough to be caught in the middle.
        let first = try bench.start(["run", "--quick", "--backend", "cpu-blas", "--threads", "1", "--budget", "0.5", "--out", out])
        let lock = dir.appendingPathComponent(".shared.csv.lock").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: lock) { Thread.sleep(forTimeInterval: 0.05) }
        let second = try run(out: out)
        expectRefused(second, "another bench run (pid \(first.process.processIdentifier))")
        first.process.waitUntilExit()
        _ = first.out.fileHandleForReading.readDataToEndOfFile()
        #expect(first.process.terminationStatus == 0)
        let set = try ResultSet(path: out)
        #expect(set.rows.allSatisfy { $0.backend == "cpu-blas" })
        #expect(!FileManager.default.fileExists(atPath: lock))
    }
}
