import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("Hostile plugins: a bad reply costs that case's row, never the run", .serialized)
struct HostilePluginTests {
    static let hostile = PluginTests.fixtures.appendingPathComponent("hostile.py").path

    /// cpu-blas, the h100 model and the hostile plugin in MODE, on two small GEMMs.
    func run(_ mode: String, backends: String? = nil, extra: [String] = []) throws -> (
        BenchBinary.Result, [ResultRow], URL
    ) {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("h.csv")
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=(64|37),",
                "--backend", backends ?? "cpu-blas,h100,plugin:\(Self.hostile)", "--plugin-arg", mode, "--case-timeout",
                "5",
                "--out", out.path,
            ] + extra)
        let rows = (try? ResultSet(path: out.path).rows) ?? []
        return (r, rows, dir)
    }

    @Test(
        "null, short or NaN verification replies make that row verify_failed; every file is written, exit 1",
        arguments: ["verify-null", "verify-short", "verify-nan"])
    func badVerification(mode: String) throws {
        let (r, rows, _) = try run(mode)
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(rows.count == 6, "stdout: \(r.stdout) stderr: \(r.stderr)")
        #expect(
            rows.filter { $0.backend == "hostile" }.allSatisfy { $0.status == .verifyFailed || $0.status == .error })
        #expect(rows.filter { $0.backend != "hostile" }.allSatisfy { $0.status == .ok })
    }

    @Test("a plugin on a named catalog device is priced per device and its MFU is taken against that device")
    func pricedPerDevice() throws {
        let (r, rows, _) = try run(
            #"handshake={"catalog_device": "h100"}"#, extra: ["--host-instance", "p5.48xlarge"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let plugin = rows.filter { $0.backend == "hostile" }
        let model = rows.filter { $0.backend == "h100" }
        #expect(plugin.count == 2 && model.count == 2)
        for row in plugin {
            #expect(row.status == .ok)
            // One H100 of the eight, as the modeled h100 row beside it.
            #expect(abs((row.priceUSDPerHour ?? 0) - 55.04 / 8) < 1e-9, "\(row.notes)")
            #expect(row.priceUSDPerHour == model[0].priceUSDPerHour)
            #expect(row.notes.contains("÷ 8 h100 devices"))
            let mfu = try #require(row.mfu)
            #expect(mfu > 0 && mfu < 1e-3)  // pure Python against an H100's fp32 peak
            #expect(row.notes.contains("of the h100 dense fp32 peak"))
            #expect(!row.notes.contains("measured peak"))
        }
        // With its own price hint, and no catalog device: the hint, and no MFU (with the reason).
        let (_, hinted, _) = try run(
            #"handshake={"price_hint_usd_per_hour": 6.5}"#, extra: ["--host-instance", "p5.48xlarge"])
        for row in hinted where row.backend == "hostile" {
            #expect(row.priceUSDPerHour == 6.5)
            #expect(row.mfu == nil)
            #expect(row.notes.contains("no MFU: the plugin names no catalog_device"))
        }
    }

    @Test(
        "a GPU-like plugin (bf16 as a GPU computes it, a per-GPU price hint) on a p5.48xlarge: verified bf16 rows priced per GPU with device MFU; in TF32 its fp32 rows fail"
    )
    func gpuLikePlugin() throws {
        let fake = PluginTests.fixtures.appendingPathComponent("fake_gpu.py").path
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("g.csv").path
        let args = [
            "run", "--suite", "matmul", "--quick", "--case", "(bf16|fp32)/M=(128|37|8192),", "--add-case",
            "gemm/bf16/M=8192,N=8192,K=8192", "--backend", "h100,plugin:\(fake)", "--host-instance", "p5.48xlarge",
            "--out", out,
        ]
        let r = try BenchBinary.locate().run(args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try ResultSet(path: out).rows.filter { $0.backend == "fake-gpu" }
        #expect(rows.count == 4)
        for row in rows {
            #expect(row.status == .ok, "\(row.caseID): \(row.notes)")
            #expect(row.priceUSDPerHour == 6.88)
            #expect(row.notes.contains("of the h100 dense \(row.dtype) peak"), "\(row.notes)")
        }
        let big = try #require(rows.first { $0.caseID == "gemm/bf16/M=8192,N=8192,K=8192" })
        #expect(abs((big.mfu ?? 0) - 0.75) < 0.01)  // the fake runs at 75% of the bf16 peak
        let tf32 = try BenchBinary.locate().run(args + ["--plugin-arg", "--tf32"])
        #expect(tf32.status == 1)
        let tf32Rows = try ResultSet(path: out).rows.filter { $0.backend == "fake-gpu" }
        #expect(tf32Rows.filter { $0.dtype == .fp32 }.allSatisfy { $0.status == .verifyFailed })
        #expect(tf32Rows.filter { $0.dtype == .bf16 }.allSatisfy { $0.status == .ok })
    }

    @Test("a prepared note over 512 characters is cut to 512, as documented; the row still runs")
    func longNotes() throws {
        let (r, rows, _) = try run("long-notes", backends: "plugin:\(Self.hostile)")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let mine = rows.filter { $0.backend.rawValue == "hostile" }
        #expect(!mine.isEmpty)
        for row in mine {
            #expect(row.status == .ok, "\(row.notes)")
            #expect(row.notes.contains("hostile says: " + String(repeating: "n", count: 512)), "\(row.notes)")
            #expect(!row.notes.contains("TAIL") && !row.notes.contains(String(repeating: "n", count: 513)))
        }
    }

    @Test(
        "a plugin on part of a device (device_share) is priced and held to that part; its notes reach the row; compare sees a changed share"
    )
    func deviceShare() throws {
        let fake = PluginTests.fixtures.appendingPathComponent("fake_gpu.py").path
        let dir = try temporaryDirectory()
        func run(_ out: String, _ args: [String]) throws -> [ResultRow] {
            let r = try BenchBinary.locate().run(
                [
                    "run", "--suite", "matmul", "--quick", "--case", "(bf16|fp32)/M=(128|8192),", "--add-case",
                    "gemm/bf16/M=8192,N=8192,K=8192", "--backend", "plugin:\(fake)", "--host-instance", "p5.48xlarge",
                    "--plugin-arg", "--price-hint", "--plugin-arg", "0", "--out", out,
                ] + args.flatMap { ["--plugin-arg", $0] })
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return try ResultSet(path: out).rows
        }
        let part = dir.appendingPathComponent("part.csv").path, whole = dir.appendingPathComponent("whole.csv").path
        let rows = try run(part, ["--device-share", "0.9"])
        #expect(rows.count == 3)
        for row in rows {
            #expect(abs((row.priceUSDPerHour ?? 0) - 55.04 / 8 * 0.9) < 1e-9, "\(row.notes)")
            #expect(row.device.hasSuffix("[0.900 of a h100]"))
            #expect(row.notes.contains("of 0.900 of the h100 dense \(row.dtype) peak"), "\(row.notes)")
            #expect(row.notes.contains("fake-gpu says: fp32 matmul precision ieee (read back)") == (row.dtype == .fp32))
        }
        let big = try #require(rows.first { $0.caseID.hasSuffix("M=8192,N=8192,K=8192") })
        #expect(abs((big.mfu ?? 0) - 0.75 / 0.9) < 0.01)
        _ = try run(whole, [])
        let c = try BenchBinary.locate().run(["compare", whole, part, "--format", "json"])
        #expect(c.status == 0)
        #expect(c.stdout.contains("device differs"), "\(c.stdout)")
        #expect(!c.stdout.contains("\"regressed\""))
    }

    @Test("--plugin-arg plugin:NAME=ARG reaches only that plugin; one naming no plugin of the run is refused")
    func addressedPluginArguments() throws {
        let fake = PluginTests.fixtures.appendingPathComponent("fake_gpu.py").path
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("a.csv").path
        let base = [
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=(64|37),", "--backend",
            "plugin:\(fake),plugin:\(Self.hostile)", "--out", out,
        ]
        // Each argument would break the other plugin: fake_gpu.py refuses "formula", and
        // hostile.py would not pass "--tf32" on.
        let r = try BenchBinary.locate().run(
            base + ["--plugin-arg", "plugin:hostile=formula", "--plugin-arg", "plugin:fake_gpu.py=--tf32"])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let rows = try ResultSet(path: out).rows
        #expect(rows.filter { $0.backend == "fake-gpu" }.map(\.status) == [.verifyFailed, .verifyFailed])
        #expect(rows.filter { $0.backend == "hostile" }.allSatisfy { $0.status == .ok && $0.device.hasPrefix("=") })
        for (arg, message) in [
            ("plugin:cuda_backend=--device-index", "names plugin 'cuda_backend', which --backend does not run"),
            ("plugin:fake_gpu", "must be plugin:NAME=ARG"),
        ] {
            let bad = try BenchBinary.locate().run(base + ["--plugin-arg", arg])
            #expect(bad.status == 2)
            #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains(message), "\(bad.stderr)")
        }
    }

    @Test(
        "an unknown catalog device, a bad price hint or a dtype bench cannot verify: one line, the plugin's rows error, exit 1 (2 alone)",
        arguments: [
            (#"handshake={"catalog_device": "h999"}"#, "names catalog_device 'h999', which the catalog does not have"),
            (
                #"handshake={"price_hint_usd_per_hour": -3}"#,
                "price_hint_usd_per_hour must be a positive, finite number"
            ),
            (#"handshake={"price_hint_usd_per_hour": "cheap"}"#, "price_hint_usd_per_hour must be a positive"),
            (#"handshake={"catalog_device": "h100", "device_share": 1.5}"#, "device_share must be in (0, 1]"),
            (#"handshake={"device_share": 0.5}"#, "device_share is a share of catalog_device"),
            (#"handshake={"protocol_version": true}"#, "field 'protocol_version' missing or not an integer"),
        ])
    func badHandshake(mode: String, reason: String) throws {
        let (r, rows, _) = try run(mode)
        #expect(r.status == 1, "stderr: \(r.stderr)")
        // A plugin that started and declared its id keeps it (issue 29 #25: a gate keyed on
        // the id must see these rows); one whose handshake failed is `plugin-<file stem>`.
        let declared = mode.contains("h999")
        let failed = rows.filter {
            declared ? $0.backend == "hostile" : $0.backend.rawValue.hasPrefix("plugin-hostile")
        }
        #expect(
            failed.count == 2 && failed.allSatisfy { $0.status == .error && $0.notes.contains(reason) },
            "\(rows.map(\.notes))")
        #expect(rows.filter { $0.backend == "cpu-blas" }.allSatisfy { $0.status == .ok })
        let (alone, _, _) = try run(mode, backends: "plugin:\(Self.hostile)")
        #expect(alone.status == 2)
        #expect(alone.stderr.split(separator: "\n").count == 1, "\(alone.stderr)")
        #expect(alone.stderr.contains(reason))
    }

    @Test("a handshake listing a dtype bench does not know (fp16) still runs the plugin's fp32 rows")
    func unknownDTypeIsLeftAside() throws {
        let (r, rows, _) = try run(#"handshake={"dtypes": ["fp32", "fp16"]}"#)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let plugin = rows.filter { $0.backend == "hostile" }
        #expect(plugin.count == 2 && plugin.allSatisfy { $0.status == .ok }, "\(rows.map(\.notes))")
    }

    @Test(
        "zero or impossibly short plugin times are error rows with the reason, never an infinite or absurd speed",
        arguments: [
            ("zero-time", "a zero, negative or non-finite duration"), ("too-fast", "impossible speed"),
            ("too-slow", "would be"),
        ])
    func impossibleTimes(mode: String, reason: String) throws {
        let (r, rows, _) = try run(mode)
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let bad = rows.filter { $0.backend == "hostile" }
        #expect(bad.count == 2)
        #expect(
            bad.allSatisfy { $0.status == .error && $0.notes.contains(reason) && $0.tflops == nil },
            "\(bad.map(\.notes))")
    }

    @Test("a plugin claiming a built-in backend id gets error rows; the real backend's rows stay")
    func takenID() throws {
        let (r, rows, _) = try run("id=cpu-blas")
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(
            rows.filter { $0.backend == "cpu-blas" }.allSatisfy {
                $0.status == .ok && $0.device != "pure Python (test fixture)"
            })
        let imposter = rows.filter { $0.backend.rawValue.hasPrefix("plugin-hostile") }
        #expect(
            imposter.count == 2
                && imposter.allSatisfy { $0.status == .error && $0.notes.contains("claims the backend id 'cpu-blas'") })
        // As the only backend, nothing can run: exit 2 with one line.
        let (alone, _, _) = try run("id=cpu-blas", backends: "cpu-blas,plugin:\(Self.hostile),plugin:\(Self.hostile)")
        #expect(alone.status == 1, "stderr: \(alone.stderr)")
    }

    @Test("a plugin that never answers its handshake costs only its own rows (exit 1); alone it is exit 2")
    func hangingHandshake() throws {
        let (r, rows, _) = try run("hang-hello")
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(rows.filter { $0.backend == "cpu-blas" || $0.backend == "h100" }.allSatisfy { $0.status == .ok })
        let failed = rows.filter { $0.backend == "plugin-hostile" }
        #expect(
            failed.count == 2 && failed.allSatisfy { $0.status == .error && $0.notes.contains("handshake") },
            "\(failed.map(\.notes))")
        // Alone, no case can run: bad input, one line. (A broken protocol version fails the same way, fast.)
        let wrong = PluginTests.fixtures.appendingPathComponent("wrong_version.py").path
        let (alone, _, _) = try run("", backends: "plugin:\(wrong)")
        #expect(alone.status == 2)
        #expect(
            alone.stderr.split(separator: "\n").count == 1 && alone.stderr.contains("protocol version 99"),
            "stderr: \(alone.stderr)")
    }

    @Test("a plugin's formula-like device string is neutralised in the CSV and reads back as sent")
    func formulaDevice() throws {
        let (r, rows, dir) = try run("formula")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let text = try String(contentsOf: dir.appendingPathComponent("h.csv"), encoding: .utf8)
        #expect(!text.contains(",=HYPERLINK"))
        #expect(rows.first { $0.backend == "hostile" }?.device.hasPrefix("=HYPERLINK") == true)
    }

}
