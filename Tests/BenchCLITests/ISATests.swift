import BenchCore
import BenchTestSupport
import Foundation
import Testing

/// The ISA ladder is defined once (`Sources/CBenchSupport/include/bench_isa_ladder.def`) and
/// read by both the scripts and the binary; a binary built for a wider ISA than the CPU stops
/// before running any wide instruction.
@Suite("One ISA ladder for scripts and binary; a too-wide binary refuses to start")
struct ISATests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a bash snippet in the repository with `scripts/lib/isa.sh` sourced.
    func bash(_ script: String, environment: [String: String] = [:]) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = Self.root
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readAllRetryingInterrupts(),
            e = err.fileHandleForReading.readAllRetryingInterrupts()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test("scripts/lib/isa.sh and HostProbe read the same ladder")
    func oneLadder() throws {
        let r = try bash("source scripts/lib/isa.sh; bench_ladder_rungs")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let fromScript = r.stdout.split(separator: "\n").map { line -> String in
            line.split(separator: " ").map(String.init).joined(separator: " ")
        }
        let fromBinary = HostProbe.isaLadder.map { ([$0.name, $0.arch] + $0.flags).joined(separator: " ") }
        #expect(fromScript == fromBinary)
        #expect(fromBinary.first?.hasPrefix("avx512 x86_64") == true)
    }

    @Test(
        "a CPU's rung is the widest whose flags it has all of, by the same rule in bash and Swift",
        arguments: [
            ("fpu sse2 avx avx2 fma avx512f", "avx2"),  // avx512f alone is not enough: bw, vl and dq are required too
            ("fpu sse2 avx avx2 fma avx512f avx512bw avx512vl avx512dq", "avx512"),
            ("fpu sse2 avx avx2", "portable"),  // AVX2 without FMA
            ("fpu sse2", "portable"),
        ])
    func rung(flags: String, expected: String) throws {
        #if arch(x86_64)
            #expect(HostProbe.cpuISA(flags: flags.split(separator: " ").map(String.init)) == expected)
            let r = try bash("source scripts/lib/isa.sh; bench_detect_isa", environment: ["BENCH_CPU_FLAGS": flags])
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
        #endif
    }

    @Test("a binary built for a wider ISA than the CPU's refuses at start with one line naming both")
    func tooWide() throws {
        let bench = try BenchBinary.locate()
        let r = try bench.run(["list", "--quick"], environment: ["BENCH_CPU_FLAGS": "fpu sse2"])
        if r.status == 0 {
            // Only a portable build may run on a baseline CPU.
            #expect(r.stdout.contains("compiled ISA portable"), "stdout: \(r.stdout)")
        } else {
            #expect(r.status == 2)
            #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
            #expect(
                r.stderr.range(
                    of: "built for (avx2|avx512) but this CPU only has portable", options: .regularExpression) != nil,
                "stderr: \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("scripts/bench and scripts/test refuse a BENCH_ISA this CPU cannot run, and an unknown one, with one line")
    func scriptsRefuse() throws {
        for script in ["scripts/bench list", "scripts/test"] {
            let r = try bash(script, environment: ["BENCH_ISA": "avx512", "BENCH_CPU_FLAGS": "fpu sse2 avx2 fma"])
            #expect(r.status == 2)
            #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("BENCH_ISA=avx512 cannot run on this CPU"), "stderr: \(r.stderr)")
        }
        let unknown = try bash("scripts/bench list", environment: ["BENCH_ISA": "avx9000"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown BENCH_ISA 'avx9000'"), "stderr: \(unknown.stderr)")
    }
}
