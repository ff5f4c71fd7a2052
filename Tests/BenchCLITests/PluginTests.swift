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

    @Test("a verify request at V = 2^20 stays under the 16 MiB line cap: the NumPy plugin's row is verified")
    func largeVocabularyVerifies() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("v.csv")
        let plugin = Self.root.appendingPathComponent("scripts/plugins/numpy_backend.py").path
        let r = try BenchBinary.locate().run([
            "run", "--suite", "training", "--quick", "--case", "^softmax_xent", "--add-case",
            "softmax_xent_fwd_bwd/fp32/T=2,V=1048576", "--backend", "plugin:\(plugin)", "--rounds", "1", "--out",
            out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let row = try #require(try ResultReader.read(path: out.path).rows.first { $0.shape == "T=2,V=1048576" })
        #expect(row.status == .ok && row.notes.contains("verified 327"), "\(row.notes)")
    }

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
                "mlp_step", "transformer_block_step", "llama_block_step", "layernorm_fwd_bwd", "softmax_xent_fwd_bwd",
                "attention_fwd_bwd", "adamw_update", "rmsnorm_fwd_bwd", "swiglu_fwd_bwd", "rope_fwd_bwd",
                "gqa_attention_fwd_bwd",
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
