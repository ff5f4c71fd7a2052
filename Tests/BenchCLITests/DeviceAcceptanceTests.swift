import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// scripts/device-acceptance end to end against the fake GPU plugin (a GPU's arithmetic, modeled
/// times), and the shipped device plugins refusing cleanly on a machine without their device.
@Suite("Device plugins: the acceptance script and clean refusals", .serialized)
struct DeviceAcceptanceTests {
    static let script = PluginTests.root.appendingPathComponent("scripts/device-acceptance")
    static let fake = PluginTests.fixtures.appendingPathComponent("fake_gpu.py").path

    func accept(_ pluginArguments: [String], script: URL = Self.script) throws -> BenchBinary.Result {
        let dir = try temporaryDirectory()
        let bench = script == Self.script ? ["--bench", try BenchBinary.locate().url.path] : []
        return try BenchBinary(url: script).run(
            ["--plugin", Self.fake] + bench + ["--quick", "--out", dir.path, "--"] + pluginArguments)
    }

    @Test(
        "a correct GPU passes every check: preflight, refusals, verified fp32/bf16 up to 8192³, timings within 3%, fp32 below the fp32 peak"
    )
    func accepted() throws {
        // From a bundle (scripts/device-bundle), as a GPU machine without Swift would run it.
        let bundle = try temporaryDirectory().appendingPathComponent("bundle")
        let packed = try BenchBinary(url: PluginTests.root.appendingPathComponent("scripts/device-bundle")).run([
            bundle.path, "--bench", BenchBinary.locate().url.path,
        ])
        #expect(packed.status == 0, "\(packed.stderr)")
        let r = try accept([], script: bundle.appendingPathComponent("scripts/device-acceptance"))
        #expect(r.stdout.contains("with \(bundle.path)/bench"))
        #expect(r.status == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        let verdicts = r.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS") || $0.hasPrefix("FAIL") }
        #expect(verdicts.count == 10 && verdicts.allSatisfy { $0.hasPrefix("PASS") }, "\(verdicts)")
        #expect(r.stdout.contains("== ACCEPTED"))
        #expect(r.stdout.contains("fake-gpu/h100"))  // the plugin's medians beside the model's
    }

    @Test("a GPU left in TF32 is caught three ways: the read-back setting, fp32 verification and the fp32 peak")
    func tf32Caught() throws {
        let r = try accept(["--tf32"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL  TF32 is still allowed"))
        #expect(r.stdout.contains("FAIL  bench run exit 1: a row failed"))
        #expect(r.stdout.contains("FAIL  fp32 4096³ at"), "\(r.stdout)")
        #expect(r.stdout.contains("== NOT ACCEPTED"))
    }

    @Test(
        "the CUDA and Trainium plugins refuse cleanly without their device or packages: their rows error with the reason, alone exit 2",
        arguments: ["cuda_backend.py", "trainium_backend.py"])
    func shippedPluginsRefuse(plugin: String) throws {
        let path = PluginTests.root.appendingPathComponent("scripts/plugins/\(plugin)").path
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("r.csv").path
        let r = try BenchBinary.locate().run([
            "run", "--suite", "matmul", "--quick", "--case", "M=64,", "--backend", "h100,plugin:\(path)", "--out", out,
        ])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        let failed = try ResultSet(path: out).rows.filter { $0.backend.rawValue.hasPrefix("plugin-") }
        #expect(!failed.isEmpty && failed.allSatisfy { $0.status == .error })
        #expect(failed.allSatisfy { $0.notes.contains("exited (status 3)") }, "\(failed.map(\.notes))")
        let alone = try BenchBinary.locate().run([
            "run", "--suite", "matmul", "--quick", "--backend", "plugin:\(path)", "--out", out,
        ])
        #expect(alone.status == 2)
        #expect(alone.stderr.split(separator: "\n").count == 1, "\(alone.stderr)")
    }
}
