import ArgumentParser
import BenchBLAS
import BenchCore
import BenchModels
import BenchSession
import BenchSwiftKernels
import Foundation

/// `bench list`: suites, cases, backends and the host's measured peak.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List suites, their cases, backends and the host's measured peak.")

    @Option(help: "Only this suite's cases.")
    var suite: String?

    @Flag(help: "Show the --quick cases.")
    var quick = false

    @Option(help: "Show this preset's cases: full, quick, ci.", transform: SuitePreset.parse)
    var preset: SuitePreset?

    func validate() throws {
        if quick, let preset, preset != .quick {
            throw ValidationError("--quick and --preset \(preset) ask for two case lists; give one")
        }
    }

    @OptionGroup var threads: ThreadsOption

    func run() throws {
        let cpu = HostProbe.cpuInfo()
        try BuildInfo.checkISA(cpuFlags: cpu.flags)
        var suites = SuiteRegistry.all
        if let suite {
            guard let s = SuiteRegistry.suite(named: suite) else {
                throw SessionError.option(
                    flag: "--suite",
                    reason: "unknown suite '\(suite)' (valid: \(SuiteRegistry.all.map(\.name).joined(separator: ", ")))"
                )
            }
            suites = [s]
        }
        let chosen = preset ?? (quick ? .quick : .full)
        for s in suites {
            let cases = s.cases(chosen)
            let label = chosen.flags.trimmingCharacters(in: .whitespaces)
            print("suite \(s.name)\(label.isEmpty ? "" : " (\(label))"): \(s.summary); \(cases.count) cases")
            for c in cases {
                let spec = KernelRegistry.builtIn.spec(named: c.kernel)
                let gflop = (spec?.flops(c) ?? 0) / 1e9
                print("  \(c.id)  (\(fixed(gflop, 3)) GFLOP per call)")
            }
        }
        print("backends:")
        for b in try BackendRegistry.all(cpuModel: cpu.model, cpuFlags: cpu.flags, catalog: try Self.shippedCatalog()) {
            print(
                "  \(b.id)  [\(b.kind.rawValue)]  \(b.device); dtypes \(b.dtypes.map(\.rawValue).joined(separator: ","))"
            )
        }
        let blas = OpenBLAS.info(cpuFlags: cpu.flags)
        print("OpenBLAS: core \(blas.coreName), \(blas.config)")
        if !blas.warning.isEmpty { printError("WARNING: \(blas.warning)") }
        let cpuISA = HostProbe.cpuISA(flags: cpu.flags)
        let runnable = HostProbe.isaLadder.map(\.name).filter { HostProbe.canRun(compiled: $0, on: cpuISA) }
        print(
            "native kernels: \(NativeKernels.variant) (compiled ISA \(HostProbe.compiledISA), CPU ISA \(cpuISA); variants this CPU runs: \(runnable.joined(separator: ", ")))"
        )
        print(
            "peak probe: \(HostPeak.chainCount) FMA chains per thread on \(HostPeak.probedISA(cpuFlags: cpu.flags)); the build's kernels: \(Float.Vector.scalarCount) fp32 / \(Double.Vector.scalarCount) fp64 lanes, \(nativeVectorRegisters) vector registers"
        )
        let all = ProcessInfo.processInfo.activeProcessorCount
        let t = threads.threads ?? all
        print("host: \(cpu.model), \(all) logical cores")
        for n in Set([1, t]).sorted() {
            let f32 = HostPeak.probe(dtype: .fp32, threads: n, cpuFlags: cpu.flags)
            let f64 = HostPeak.probe(dtype: .fp64, threads: n, cpuFlags: cpu.flags)
            func text(_ p: HostPeak.Probe) -> String {
                "\(fixed(p.best / 1e9, 1)) GFLOP/s (spread \(fixed(p.spread * 100, 1))%)"
            }
            print(
                "host peak (measured FMA loop, \(n) thread\(n == 1 ? "" : "s")): fp32 \(text(f32)), fp64 \(text(f64))")
            let bf16 = BF16Path.available(cpuFlags: cpu.flags).map {
                "\($0.rawValue) \(text(HostPeak.probe(bf16: $0, threads: n)))"
            }
            if !bf16.isEmpty {
                print("host bf16 peak (measured, \(n) thread\(n == 1 ? "" : "s")): \(bf16.joined(separator: ", "))")
            }
        }
    }

    /// The shipped catalog (for the modeled backends' list).
    static func shippedCatalog() throws -> Catalog {
        do { return try Catalog.load(overlay: nil) } catch { throw UsageError("\(error)") }
    }
}
