import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("bench run: bad input gets one line and exit 2")
struct BadInputTests {
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

    @Test(
        "a kernel-choice variable that names no choice is one line and exit 2, before any case",
        arguments: [
            (
                "BENCH_BF16_KERNEL", "amx2",
                "BENCH_BF16_KERNEL='amx2' names no bf16 kernel (expected amx or avx512_bf16)"
            ),
            (
                "BENCH_ATTENTION", "paged",
                "BENCH_ATTENTION='paged' names no attention algorithm (expected materialized or flash)"
            ),
        ])
    func unknownKernelChoice(variable: String, value: String, message: String) throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("r.csv")
        let r = try bench.run(
            ["run", "--quick", "--backend", "cpu-swift", "--out", out.path], in: dir, environment: [variable: value])
        #expect(r.status == 2, "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(message))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Documents that crashed bench (5,000 nested flow or block collections overflow Yams's
    /// recursion) or would decode 10⁹ nodes (a billion laughs), with the refusal each gets.
    static let hostileDocuments: [(name: String, text: String, says: String)] = [
        ("flow", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "nested more than 64"),
        ("block list", String(repeating: "- ", count: 5000) + "x\n", "nested more than 64"),
        (
            "block map", (0..<5000).map { String(repeating: " ", count: $0) + "a:\n" }.joined() + "\n",
            "nested more than 64"
        ),
        ("? keys", String(repeating: "? ", count: 5000) + "x\n", "nested more than 64"),
        (
            "billion laughs",
            "l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
                + (1...9).map {
                    "l\($0): &l\($0) [" + Array(repeating: "*l\($0 - 1)", count: 9).joined(separator: ",") + "]\n"
                }
                .joined(),
            "aliases expand to more than 1000000 nodes"
        ),
    ]

    @Test(
        "a YAML file nested thousands deep, flow or block, or an alias bomb, is refused in one line before parsing (nesting once crashed bench)",
        arguments: [
            ["run", "--backend", "modeled", "--catalog"], ["validate-model", "--points"], ["catalog", "--catalog"],
            ["compare", "--thresholds"],
        ], 0..<hostileDocuments.count)
    func deepNesting(command: [String], document: Int) throws {
        let dir = try temporaryDirectory()
        let (name, text, says) = Self.hostileDocuments[document]
        let file = dir.appendingPathComponent("hostile.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/compare")
        let arguments: [String]
        switch command[0] {
        case "run": arguments = command + [file.path, "--out", dir.appendingPathComponent("o.csv").path]
        case "compare":
            let csv = fixtures.appendingPathComponent("baseline.csv").path
            arguments = ["compare", csv, csv, "--thresholds", file.path]
        default: arguments = command + [file.path]
        }
        let r = try BenchBinary.locate().run(arguments)
        #expect(r.status == 2, "\(name): \(r.stderr)")
        #expect(r.stderr.contains(says), "\(name): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr)")
    }

    @Test("a value with a newline, quoted in an error, stays on the error's one line")
    func newlineInQuotedValue() throws {
        let dir = try temporaryDirectory()
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BenchModels/Resources/validation.json")
        var text = try String(contentsOf: shipped, encoding: .utf8)
        let unit = try #require(text.range(of: #""unit": "TFLOP/s""#))
        text.replaceSubrange(unit, with: #""unit": "TFLOP/s\nM N K\n2048 512 512""#)
        let file = dir.appendingPathComponent("points.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try BenchBinary.locate().run(["validate-model", "--points", file.path, "--no-cross-validation"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(#"unknown published unit 'TFLOP/s\nM N K\n2048 512 512'"#), "\(r.stderr)")
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

@Suite("bench validate-model: the published points, the table and the gate")
struct ValidateModelCLITests {
    @Test("the shipped set meets its targets (exit 0 with --check); a malformed point file exits 2 naming the point")
    func validateModel() throws {
        let bench = try BenchBinary.locate()
        let ok = try bench.run(["validate-model", "--check"])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.contains("targets met"))
        #expect(ok.stdout.contains("held-out"))
        let md = try bench.run(["validate-model", "--format", "markdown"])
        #expect(md.status == 0 && md.stdout.contains("| device | points | sources | held-out |"))
        // --assume reaches the model: a much lower matmul efficiency misses the targets, exit 1.
        let worse = try bench.run(["validate-model", "--check", "--assume", "matmul_efficiency=0.2"])
        #expect(worse.status == 1, "stdout: \(worse.stdout)")
        #expect(worse.stderr.contains("check failed: held-out median"))
        let dir = try temporaryDirectory()
        let bad = dir.appendingPathComponent("points.json")
        try """
        {"schema_version": 2, "points": [{"id": "x1", "device": "h100", "split": "held-out", "source_id": "s1",
          "stack": "cublas", "cases": [{"case": "gemm/bf16/M=64,N=64", "count": 1}],
          "published": {"value": 1, "unit": "TFLOP/s"}, "measured_dtype": "bf16", "source": "s", "date": "d",
          "conversion_kind": "none", "conversion": "c"}]}
        """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try bench.run(["validate-model", "--points", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("points[0] (x1): case 'gemm/bf16/M=64,N=64'"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("a source split across roles, a point without a stack, an unknown --assume stack: one line, exit 2")
    func validateModelBadSources() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        func point(_ id: String, _ split: String, stack: String = #", "stack": "cublas""#) -> String {
            #"{"id": "\#(id)", "device": "h100", "split": "\#(split)", "source_id": "s1"\#(stack), "cases": [{"case": "gemm/bf16/M=64,N=64,K=64", "count": 1}], "published": {"value": 1, "unit": "TFLOP/s"}, "measured_dtype": "bf16", "source": "s", "date": "d", "conversion_kind": "none", "conversion": "c"}"#
        }
        for (name, points, message) in [
            ("split", [point("a", "calibration"), point("b", "held-out")], "source 's1' is split across roles"),
            ("nostack", [point("a", "calibration", stack: "")], "no stack"),
        ] {
            let file = dir.appendingPathComponent("\(name).json")
            try #"{"schema_version": 2, "points": [\#(points.joined(separator: ", "))]}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let r = try bench.run(["validate-model", "--points", file.path, "--no-cross-validation"])
            #expect(r.status == 2 && r.stderr.contains(message), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        let r = try bench.run(["validate-model", "--assume", "stack=cudnn", "--no-cross-validation"])
        #expect(r.status == 2 && r.stderr.contains("stack=cudnn is out of range"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("modeled rows carry energy per unit; measured rows say why there is none or read the fake RAPL tree")
    func energyColumns() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        // A fake powercap tree whose counter never moves: 0 J, but read and labelled measured.
        let zone = dir.appendingPathComponent("powercap/intel-rapl:0")
        try FileManager.default.createDirectory(at: zone, withIntermediateDirectories: true)
        try "package-0\n".write(to: zone.appendingPathComponent("name"), atomically: true, encoding: .utf8)
        try "1000000\n".write(to: zone.appendingPathComponent("max_energy_range_uj"), atomically: true, encoding: .utf8)
        try "5\n".write(to: zone.appendingPathComponent("energy_uj"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run.csv")
        let r = try bench.run(
            [
                "run", "--suite", "matmul", "--quick", "--backend", "cpu-swift,h100", "--case", "M=64,N=64,K=64",
                "--out", out.path,
            ], environment: ["BENCH_POWERCAP_ROOT": dir.appendingPathComponent("powercap").path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("J/unit"))
        let rows = try ResultReader.read(path: out.path).rows
        let modeled = try #require(rows.first { $0.backend.rawValue == "h100" })
        #expect(modeled.energySource == .modeled && (modeled.energyJPerUnit ?? 0) > 0)
        let measured = try #require(rows.first { $0.backend.rawValue == "cpu-swift" })
        #expect(measured.energySource == .measured && measured.energyJPerUnit == 0)
        #expect(measured.notes.contains("energy: RAPL package counters"))
        let none = try bench.run(
            [
                "run", "--suite", "matmul", "--quick", "--backend", "cpu-swift", "--case", "M=64,N=64,K=64",
                "--out", dir.appendingPathComponent("none.csv").path,
            ], environment: ["BENCH_POWERCAP_ROOT": dir.appendingPathComponent("absent").path])
        #expect(none.status == 0)
        let row = try #require(try ResultReader.read(path: dir.appendingPathComponent("none.csv").path).rows.first)
        #expect(row.energyJPerUnit == nil && row.notes.contains("no energy: no "))
    }
}
