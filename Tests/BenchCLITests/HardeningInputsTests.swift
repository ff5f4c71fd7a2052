import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// A new directory holding the compare fixture `same.csv` with `text` replaced, and its sidecar.
func editedCopyOfSame(replacing text: String, with replacement: String) throws -> URL {
    let dir = try temporaryDirectory()
    let fixtures = HardeningRound2Tests.compareFixtures
    var csv = try String(contentsOf: fixtures.appendingPathComponent("same.csv"), encoding: .utf8)
    csv = csv.replacingOccurrences(of: text, with: replacement)
    try csv.write(to: dir.appendingPathComponent("same.csv"), atomically: true, encoding: .utf8)
    try FileManager.default.copyItem(
        at: fixtures.appendingPathComponent("same.json"), to: dir.appendingPathComponent("same.json"))
    return dir
}

/// Issue 29, item 1: an output never replaces an input's CSV or sidecar.
@Suite("Hardening: outputs against every input's CSV and sidecar")
struct OutputCollisionTests {
    @Test(
        "an --out that is an input's sidecar (or CSV) is refused before anything is written, and the input is intact",
        arguments: [
            ["report", "A.csv", "--out", "A.json"], ["compare", "A.csv", "B.csv", "--out", "B.json"],
            ["merge", "A.csv", "B.csv", "--out", "A.json"], ["merge", "A.csv", "--out", "A.csv"],
            ["report", "B.csv", "--baseline", "A.csv", "--out", "A.json"],
            ["report", "A.csv", "--format", "markdown", "--out", "A.json"],
            ["run", "--quick", "--backend", "h100", "--baseline", "A.csv", "--out", "A.json"],
        ])
    func collisions(arguments: [String]) throws {
        let dir = try temporaryDirectory()
        let fixtures = HardeningRound2Tests.compareFixtures
        for (name, from) in [("A", "baseline"), ("B", "same")] {
            for ext in ["csv", "json"] {
                try FileManager.default.copyItem(
                    at: fixtures.appendingPathComponent("\(from).\(ext)"),
                    to: dir.appendingPathComponent("\(name).\(ext)"))
            }
        }
        let before = try Data(contentsOf: dir.appendingPathComponent("A.json"))
        let beforeCSV = try Data(contentsOf: dir.appendingPathComponent("A.csv"))
        let r = try BenchBinary.locate().run(
            arguments.map { $0.hasSuffix(".csv") || $0.hasSuffix(".json") ? dir.appendingPathComponent($0).path : $0 })
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("A.json")) == before)
        #expect(try Data(contentsOf: dir.appendingPathComponent("A.csv")) == beforeCSV)
        #expect(
            try Data(contentsOf: dir.appendingPathComponent("B.json"))
                == (try Data(contentsOf: fixtures.appendingPathComponent("same.json"))))
    }
}

/// Issue 29, items 3 and 5: merge's lock, and timestamps that are times.
@Suite("Hardening: merge takes its lock first; timestamps are parsed", .serialized)
struct MergeAndTimeTests {
    @Test("a merge whose output another run is writing is refused at once, before it reads its inputs")
    func mergeLocksFirst() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("shared.csv").path
        let bench = try BenchBinary.locate()
        let first = try bench.start([
            "run", "--quick", "--backend",
            "h100,plugin:\(PluginTests.fixtures.appendingPathComponent("hostile.py").path)",
            "--plugin-arg", "hang-prepare", "--dtype", "fp32", "--out", out,
        ])
        let lock = dir.appendingPathComponent(".shared.csv.lock").path
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: lock), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        // The input does not exist: a merge that read first would complain about it.
        let r = try bench.run(["merge", dir.appendingPathComponent("missing.csv").path, "--out", out])
        kill(first.process.processIdentifier, SIGTERM)
        first.process.waitUntilExit()
        #expect(r.status == 2)
        #expect(r.stderr.contains("another bench run (pid \(first.process.processIdentifier))"), "\(r.stderr)")
    }

    @Test(
        "a timestamp that is not an ISO 8601 time is refused naming the record and column",
        arguments: ["2026-13-45T99:99:99Z", "yesterday", "", "zzzz-not-a-time", "2026-02-29T00:00:00Z"])
    func badTimestamp(timestamp: String) throws {
        let fixtures = HardeningRound2Tests.compareFixtures
        let dir = try editedCopyOfSame(replacing: "2026-11-26T00:00:00Z", with: timestamp)
        let r = try BenchBinary.locate().run([
            "compare", fixtures.appendingPathComponent("baseline.csv").path,
            dir.appendingPathComponent("same.csv").path,
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("column timestamp: '\(timestamp)' is not an ISO 8601 time"), "\(r.stderr)")
    }

    @Test("merge X X --prefer rounds is refused: a run is never pooled with itself", arguments: ["rounds", "latest"])
    func sameRunTwice(prefer: String) throws {
        let dir = try temporaryDirectory()
        let a = HardeningRound2Tests.compareFixtures.appendingPathComponent("baseline.csv").path
        let out = dir.appendingPathComponent("m.csv")
        let r = try BenchBinary.locate().run(["merge", a, a, "--prefer", prefer, "--out", out.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("merging a run with itself would count its rows and samples twice"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("merge --prefer latest keeps the row of the later time, not the later text")
    func latestByTime() throws {
        let dir = try temporaryDirectory()
        let fixtures = HardeningRound2Tests.compareFixtures
        // The same rows twice: "a" a day later in UTC+14 (still earlier as a time than "b").
        for (name, stamp) in [("a", "2026-11-27T10:00:00+14:00"), ("b", "2026-11-26T23:00:00Z")] {
            var csv = try String(contentsOf: fixtures.appendingPathComponent("same.csv"), encoding: .utf8)
            csv = csv.replacingOccurrences(of: "2026-11-26T00:00:00Z", with: stamp)
            try csv.write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
            var json = try String(contentsOf: fixtures.appendingPathComponent("same.json"), encoding: .utf8)
            json = json.replacingOccurrences(of: "\"same.csv\"", with: "\"\(name).csv\"")
            if name == "b" { json = json.replacingOccurrences(of: "0000000000c0", with: "0000000000c1") }
            try json.write(to: dir.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
        }
        var csvB = try String(contentsOf: dir.appendingPathComponent("b.csv"), encoding: .utf8)
        csvB = csvB.replacingOccurrences(of: "0000000000c0", with: "0000000000c1")
        try csvB.write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("m.csv")
        let r = try BenchBinary.locate().run([
            "merge", "--prefer", "latest", dir.appendingPathComponent("b.csv").path,
            dir.appendingPathComponent("a.csv").path, "--out", out.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try ResultSet(path: out.path).rows
        #expect(!rows.isEmpty && rows.allSatisfy { $0.timestamp == "2026-11-26T23:00:00Z" })
    }
}

/// Issue 29, item 8: a fleet record's shard count is bounded and its message short.
@Suite("Hardening: fleet records with absurd shard counts")
struct ShardCountTests {
    @Test(
        "a sidecar's shard_count of 2^62 is refused in one line at once; 100000 shards list a few missing ones and the count",
        arguments: [("4611686018427387904", "out of range"), ("100000", "(99999 in all) missing")])
    func shardCount(count: String, message: String) throws {
        let dir = try temporaryDirectory()
        let shard = dir.appendingPathComponent("s.csv")
        let bench = try BenchBinary.locate()
        let run = try bench.run([
            "run", "--quick", "--backend", "h100", "--shard", "0/2", "--fleet-run", "f", "--out", shard.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let sidecar = dir.appendingPathComponent("s.json")
        var json = try String(contentsOf: sidecar, encoding: .utf8)
        json = json.replacingOccurrences(of: "\"shard_count\" : 2", with: "\"shard_count\" : \(count)")
        try json.write(to: sidecar, atomically: true, encoding: .utf8)
        let r = try bench.run(["merge", shard.path, "--out", dir.appendingPathComponent("m.csv").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr.prefix(300))")
        #expect(r.stderr.count < 600, "\(r.stderr.count) characters")
    }
}

/// Issue 29, items 10 and 14: subnormal numbers are no measurement.
@Suite("Hardening: subnormal numbers")
struct SubnormalTests {
    @Test("a subnormal number in a results file is refused naming the record and column; compare writes no inf")
    func subnormalInput() throws {
        let fixtures = HardeningRound2Tests.compareFixtures
        let dir = try editedCopyOfSame(replacing: ",0.001000023596733453,", with: ",5e-324,")
        for format in ["table", "json"] {
            let r = try BenchBinary.locate().run([
                "compare", fixtures.appendingPathComponent("baseline.csv").path,
                dir.appendingPathComponent("same.csv").path, "--format", format,
            ])
            #expect(r.status == 2)
            #expect(r.stderr.contains("column median_s: '5e-324' is subnormal"), "\(r.stderr)")
            #expect(!r.stdout.contains("inf"))
        }
    }
}

/// Issue 29, item 12: inputs are regular files.
@Suite("Hardening: inputs that are not regular files")
struct IrregularInputTests {
    @Test("a device, a FIFO or a sidecar linked to /dev/zero is refused in one line, without reading or blocking")
    func irregular() throws {
        let dir = try temporaryDirectory()
        let fixtures = HardeningRound2Tests.compareFixtures
        let base = fixtures.appendingPathComponent("baseline.csv").path
        let fifo = dir.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let linked = dir.appendingPathComponent("l.csv")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("same.csv"), to: linked)
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("l.json").path, withDestinationPath: "/dev/zero")
        for (input, message) in [
            ("/dev/zero", "a character device, not a results file"), (fifo, "a FIFO, not a results file"),
            (linked.path, "l.json': a character device, not a results file"),
        ] {
            let r = try BenchBinary.locate().run(["compare", base, input])
            #expect(r.status == 2)
            #expect(r.stderr.contains(message), "\(r.stderr)")
        }
    }
}

/// Issue 29, item 19: a case added by name runs whatever the filters say.
@Suite("Hardening: --add-case and the filters")
struct AddedCaseTests {
    @Test("--add-case runs even when --case and --dtype would filter it out, as documented")
    func addedCaseRuns() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("a.csv")
        let r = try BenchBinary.locate().run([
            "run", "--quick", "--backend", "h100", "--case", "M=64,", "--dtype", "bf16", "--add-case",
            "gemm/fp32/M=100,N=100,K=100", "--out", out.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = try ResultSet(path: out.path).rows.map(\.caseID)
        #expect(ids.contains("gemm/fp32/M=100,N=100,K=100"))
        #expect(
            ids.allSatisfy { $0 == "gemm/fp32/M=100,N=100,K=100" || ($0.contains("M=64,") && $0.contains("/bf16/")) })
    }
}

/// Issue 29, item 17: every output path is checked before any work.
@Suite("Hardening: output paths checked before measuring")
struct OutputPathFirstTests {
    @Test("run --report whose page is a symlink is refused before anything is measured or written")
    func reportLink() throws {
        let (dir, victim) = try plantedLink("r.html")
        let r = try BenchBinary.locate().run([
            "run", "--quick", "--backend", "measured", "--report", "--out", dir.appendingPathComponent("r.csv").path,
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("r.html': it is a symbolic link"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.csv").path))
        #expect(r.stdout.isEmpty)
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    }
}
