import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("Out-of-process plugins", .serialized)
struct PluginTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/BenchCLITests/Fixtures/plugins")

    func run(_ plugin: String, _ extra: [String] = []) throws -> (BenchBinary.Result, [ResultRow], URL) {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("p.csv")
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=(64|37),", "--backend",
                "plugin:\(plugin)",
                "--out", out.path,
            ] + extra)
        let rows = (try? ResultReader.read(path: out.path).rows) ?? []
        return (r, rows, dir)
    }

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    @Test("a correct version-1 plugin's rows are ordinary verified measured rows")
    func good() throws {
        let (r, rows, _) = try run(fixture("good_gemm.py"))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.status == .ok, "\(row.notes)")
            #expect(row.backendKind == .measured)
            #expect(row.backend == "good-gemm")
            #expect(row.samples >= 6)
            #expect(row.notes.contains("verified"))
        }
    }

    @Test("a plugin returning wrong results gives verify_failed rows and exit 1")
    func wrongResult() throws {
        let (r, rows, _) = try run(fixture("wrong_result.py"))
        #expect(r.status == 1)
        #expect(rows.allSatisfy { $0.status == .verifyFailed && $0.medianSeconds == nil })
    }

    @Test(
        "crash, garbage and out-of-order answers give error rows with the reason and the log path; the run goes on",
        arguments: [
            ("crash.py", "exited (status 1)"), ("garbage.py", "malformed JSON"),
            ("out_of_order.py", "answered request"),
        ])
    func faults(name: String, reason: String) throws {
        let (r, rows, dir) = try run(fixture(name))
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(rows.count == 2)  // the second case ran on a restarted plugin
        for row in rows {
            #expect(row.status == .error)
            #expect(row.notes.contains(reason), "\(row.notes)")
            #expect(row.notes.contains(dir.path))  // the log next to the results
        }
        #expect(r.stdout.contains("log: \(dir.path)"))
    }

    @Test("a hanging plugin is killed (with its children) after --case-timeout and the row says so")
    func hang() throws {
        let start = Date()
        let (r, rows, _) = try run(fixture("hang.py"), ["--case-timeout", "1"])
        #expect(r.status == 1)
        #expect(rows.first?.status == .error)
        #expect(rows.first?.notes.contains("did not answer") == true)
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test(
        "a plugin that cannot start or speaks another protocol version is refused with exit 2",
        arguments: [
            ("/nonexistent/plugin.py", "does not exist or is not executable"),
            ("wrong_version.py", "speaks protocol version 99"),
        ])
    func refused(path: String, message: String) throws {
        let (r, rows, _) = try run(path.hasPrefix("/") ? path : fixture(path))
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(rows.isEmpty)
    }

    static var jaxInstalled: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import jax"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test(
        "the NumPy reference plugin runs every training kernel (protocol version 2) beside cpu-blas, each row verified")
    func numpyPlugin() throws { try referencePlugin(file: "numpy_backend.py", id: "numpy") }

    @Test(
        "the JAX reference plugin runs every training kernel beside cpu-blas (skipped where jax cannot be installed)",
        .enabled(if: PluginTests.jaxInstalled, "jax is not installed for python3 (scripts/test installs jax[cpu])"))
    func jaxPlugin() throws { try referencePlugin(file: "jax_backend.py", id: "jax") }

    func referencePlugin(file: String, id: String) throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("np.csv")
        let plugin = Self.root.appendingPathComponent("scripts/plugins/\(file)").path
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "training", "--quick", "--dtype", "fp32", "--backend", "cpu-blas,plugin:\(plugin)",
                "--out", out.path,
            ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try ResultReader.read(path: out.path).rows
        let pluginRows = rows.filter { $0.backend.rawValue == id }
        #expect(
            Set(pluginRows.map(\.kernel)) == [
                "mlp_step", "transformer_block_step", "layernorm_fwd_bwd", "softmax_xent_fwd_bwd",
                "attention_fwd_bwd", "adamw_update",
            ])
        for row in pluginRows {
            #expect(row.status == .ok && row.notes.contains("verified"), "\(row.caseID): \(row.notes)")
            #expect(
                row.throughputUnit == rows.first { $0.caseID == row.caseID && $0.backend == "cpu-blas" }?.throughputUnit
            )
        }
        #expect(pluginRows.map(\.caseID) == rows.filter { $0.backend == "cpu-blas" }.map(\.caseID))
    }

    @Test("a plugin whose attention ignores the causal mask gives verify_failed transformer_block_step rows and exit 1")
    func wrongBlock() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("w.csv")
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "training", "--quick", "--case", "^(transformer_block_step|attention_fwd_bwd)/",
                "--dtype", "fp32",
                "--backend", "plugin:\(fixture("wrong_block.py"))", "--out", out.path,
            ])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let rows = try ResultReader.read(path: out.path).rows
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.status == .verifyFailed && row.medianSeconds == nil, "\(row.notes)")
            #expect(row.notes.contains("verification failed on the first call"), "\(row.notes)")
        }
    }

    @Test("a version-1 plugin keeps working; a version-2 kernel it lists is unsupported, with the reason")
    func versionOne() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("v1.csv")
        let r = try BenchBinary.locate().run(
            [
                "run", "--suite", "training", "--quick", "--case", "^(transformer_block_step/fp32|gemm)/", "--add-case",
                "gemm/fp32/M=8,N=8,K=8",
                "--backend", "plugin:\(fixture("v1_block.py"))", "--out", out.path,
            ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try ResultReader.read(path: out.path).rows
        #expect(rows.first { $0.kernel == "gemm" }?.status == .ok)
        let block = try #require(rows.first { $0.kernel == "transformer_block_step" })
        #expect(block.status == .unsupported)
        #expect(block.notes.contains("protocol version 1"), "\(block.notes)")
    }
}

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
            (#"handshake={"dtypes": ["fp32", "fp4"]}"#, "claims dtype 'fp4', which bench cannot verify"),
            (#"handshake={"catalog_device": "h100", "device_share": 1.5}"#, "device_share must be in (0, 1]"),
            (#"handshake={"device_share": 0.5}"#, "device_share is a share of catalog_device"),
        ])
    func badHandshake(mode: String, reason: String) throws {
        let (r, rows, _) = try run(mode)
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let failed = rows.filter { $0.backend.rawValue.hasPrefix("plugin-hostile") }
        #expect(
            failed.count == 2 && failed.allSatisfy { $0.status == .error && $0.notes.contains(reason) },
            "\(rows.map(\.notes))")
        #expect(rows.filter { $0.backend == "cpu-blas" }.allSatisfy { $0.status == .ok })
        let (alone, _, _) = try run(mode, backends: "plugin:\(Self.hostile)")
        #expect(alone.status == 2)
        #expect(alone.stderr.split(separator: "\n").count == 1, "\(alone.stderr)")
        #expect(alone.stderr.contains(reason))
    }

    @Test(
        "zero or impossibly short plugin times are error rows with the reason, never an infinite or absurd speed",
        arguments: [("zero-time", "a zero, negative or non-finite duration"), ("too-fast", "impossible speed")])
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

    @Test("SIGTERM while a plugin hangs in prepare: exit 130, rows saved, and the plugin does not outlive bench")
    func pluginKilledOnInterrupt() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("k.csv")
        let p = try BenchBinary.locate().start([
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend",
            "h100,plugin:\(Self.hostile)",
            "--plugin-arg", "hang-prepare", "--out", out.path,
        ])
        // Wait until the h100 row is on disk: bench is then waiting on the plugin's prepare.
        let partial = dir.appendingPathComponent(".k.csv.\(p.process.processIdentifier).partial").path
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: partial, encoding: .utf8), text.split(separator: "\n").count >= 2
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        var before: [Int32] = []
        let deadline = Date().addingTimeInterval(20)
        while before.isEmpty, Date() < deadline {
            before = Self.processes(matching: "hostile.py hang-prepare")
            if before.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(!before.isEmpty)
        kill(p.process.processIdentifier, SIGTERM)
        p.process.waitUntilExit()
        #expect(p.process.terminationStatus == 130)
        // The plugin is killed by bench before it exits; allow the kernel a moment to reap it.
        let gone = Date().addingTimeInterval(5)
        while !Self.processes(matching: "hostile.py hang-prepare").filter({ before.contains($0) }).isEmpty,
            Date() < gone
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(Self.processes(matching: "hostile.py hang-prepare").filter { before.contains($0) }.isEmpty)
        #expect(try ResultSet(path: out.path).rows.contains { $0.backend == "h100" })
    }

    @Test(
        "fuzzed plugin replies (fixed seeds): never a crash, never exit 2 once running, every file readable, no non-finite number"
    )
    func fuzzedReplies() throws {
        var errorRows = 0
        for seed in 1...(8 * fuzzScale()) {
            let (r, rows, dir) = try run("fuzz=\(seed)", backends: "h100,plugin:\(Self.hostile)")
            #expect(r.status == 0 || r.status == 1, "seed \(seed): status \(r.status), stderr: \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
            #expect(rows.count == 4, "seed \(seed)")  // read back by ResultSet: every file is readable
            #expect(rows.allSatisfy { $0.nonFiniteColumn() == nil })
            errorRows += rows.filter { $0.status.isFailure }.count
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("h.json").path))
        }
        #expect(errorRows > 0)
    }

    /// Pids whose command line contains `text`.
    static func processes(matching text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(text)
        }
    }
}
