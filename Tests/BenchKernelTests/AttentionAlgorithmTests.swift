import BenchBLAS
import BenchCore
import BenchSession
import BenchSwiftKernels
import BenchTraining
import Testing

/// cpu-swift's flash attention against the materialised path on the same native GEMM.
@Suite("Attention algorithms")
struct AttentionAlgorithmTests {
    /// fp64 leaves only the summation order between the two: the online softmax rescales
    /// partial sums tile by tile, the materialised path sums whole rows.
    @Test("flash and materialised attention agree in fp64 on the Llama block's loss, gradients and inputs' gradient")
    func agree() throws {
        let kc = LlamaBlockSpec.kernelCase(.fp64, b: 2, s: 70, d: 96, heads: 4, kvHeads: 2, hidden: 64, optimizer: .sgd)
        try Self.expectAgreement(kc, flashThreads: 2, materializedThreads: 2)
    }

    /// More threads than (sequence, KV head) items: flash attention cuts each item into parts,
    /// forward by query tiles and backward by key tiles with dQ summed across parts. S = 150
    /// leaves short last tiles (48-row query tiles, 64-key key tiles); 7 threads on 1 item gives 3
    /// backward parts (one per key tile) and 7 forward ones, 5 threads on 2 items 3 backward parts
    /// and 5 forward ones.
    @Test(
        "flash attention split across threads agrees with the materialised path in fp64",
        arguments: [(kvHeads: 1, threads: 7), (kvHeads: 2, threads: 5)])
    func split(kvHeads: Int, threads: Int) throws {
        let kc = LlamaBlockSpec.kernelCase(
            .fp64, b: 1, s: 150, d: 64, heads: 4, kvHeads: kvHeads, hidden: 48, optimizer: .sgd)
        try Self.expectAgreement(kc, flashThreads: threads, materializedThreads: 1)
    }

    /// Two steps of the Llama block on each algorithm: losses within 1e-12, every parameter
    /// gradient within 1e-11 of its scale, and the inputs' gradient within 1e-11.
    static func expectAgreement(_ kc: KernelCase, flashThreads: Int, materializedThreads: Int) throws {
        let flash = LlamaBlockStep<Double>(kc, engine: GEMMKernel<Double>(threads: flashThreads, attention: .flash))
        let materialized = LlamaBlockStep<Double>(
            kc, engine: GEMMKernel<Double>(threads: materializedThreads, attention: .materialized))
        for _ in 0..<2 {
            flash.step()
            materialized.step()
            #expect(abs(flash.loss - materialized.loss) <= 1e-12 * materialized.loss)
        }
        for name in LlamaBlockStep<Double>.parameterNames {
            let a = try #require(flash.parameter(name)), b = try #require(materialized.parameter(name))
            let scale = b.gradient.map { abs($0) }.max() ?? 1
            let worst = zip(a.gradient, b.gradient).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-11 * scale, "\(name): gradients differ by \(worst) (scale \(scale))")
        }
        let dx = zip(flash.inputGradient.pointer, materialized.inputGradient.pointer).map { abs($0 - $1) }.max() ?? 0
        #expect(dx <= 1e-11, "dx differs by \(dx)")
    }

    @Test("BENCH_ATTENTION picks cpu-swift's algorithm; a name that is none is refused in one line")
    func environment() throws {
        let chosen = try BackendRegistry.all(
            cpuModel: "test", cpuFlags: [], catalog: nil, environment: ["BENCH_ATTENTION": "materialized"])
        #expect(chosen.compactMap { $0 as? SwiftBackend }.first?.attention == .materialized)
        let plain = try BackendRegistry.all(cpuModel: "test", cpuFlags: [], catalog: nil, environment: [:])
        #expect(plain.compactMap { $0 as? SwiftBackend }.first?.attention == .flash)
        #expect {
            _ = try BackendRegistry.all(
                cpuModel: "test", cpuFlags: [], catalog: nil, environment: ["BENCH_ATTENTION": "paged"])
        } throws: { error in
            "\(error)" == "BENCH_ATTENTION='paged' names no attention algorithm (expected materialized or flash)"
        }
    }
}
