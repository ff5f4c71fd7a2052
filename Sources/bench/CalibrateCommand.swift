import ArgumentParser
import BenchCore
import BenchResults
import BenchSession
import Foundation

/// `bench calibrate`: measures this host's roofline and writes it as a catalog device, so
/// the performance model can be checked against measured rows (`bench run --with-model`).
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract:
            "Measure this host's roofline (peak and achieved GEMM per dtype, memory bandwidth) into a host profile.")

    @OptionGroup var threads: ThreadsOption

    @Flag(help: "A fast, rougher calibration (smaller GEMM and arrays, shorter budgets), for smoke tests.")
    var quick = false

    @Option(help: "Where to write the host profile (a catalog file with one device, 'host').")
    var out: String = "results/host-profile.json"

    func run() throws {
        let cpu = HostProbe.cpuInfo()
        try BuildInfo.checkISA(cpuFlags: cpu.flags)
        let destination = try OutputPath.resolve(out, stem: "host-profile", extension: "json")
        let t = threads.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let c = try HostCalibration.measure(threads: t, quick: quick, cpu: cpu)
        let peak32 = c.peakFLOPS[.fp32] ?? 0
        print(
            "peak: fp32 \(fixed(peak32 / 1e9, 1)) GFLOP/s, fp64 \(fixed((c.peakFLOPS[.fp64] ?? 0) / 1e9, 1)) GFLOP/s (best of 3 probes); memory: STREAM triad \(fixed(c.bandwidthBytesPerSecond / 1e9, 1)) GB/s"
        )
        if let (backend, achieved) = c.backendAbovePeak {
            printError(
                "bench: error: calibrate: \(backend)'s GEMM fp32 \(c.gemmSize)³ ran at \(fixed(achieved / 1e9, 1)) GFLOP/s, above the FMA peak probe's best \(fixed(peak32 / 1e9, 1)) GFLOP/s: the probe was disturbed (another process on these cores?); no profile written, rerun on a quiet machine"
            )
            throw ExitCode(1)
        }
        for (backend, achieved) in c.achieved {
            print(
                "\(backend): GEMM fp32 \(c.gemmSize)³ \(fixed(achieved / 1e9, 1)) GFLOP/s (\(fixed(achieved / peak32 * 100, 1))% of peak)"
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try OutputFile.write(try encoder.encode(c.profile()), to: destination.path)
        } catch {
            throw UsageError("--out: \(error)")
        }
        print("host profile: \(destination.path) (use: bench run --with-model \(destination.path))")
    }
}
