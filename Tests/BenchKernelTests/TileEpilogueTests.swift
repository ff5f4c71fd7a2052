import BenchCore
import BenchRuntime
import BenchSwiftKernels
import BenchTraining
import Testing

/// The native GEMM's fused epilogues (applied to each finished tile of C) against the same
/// epilogue applied in one pass after the matmul, as every other engine runs it.
@Suite("Fused tile epilogues")
struct TileEpilogueTests {
    enum Kind: String, CaseIterable {
        case bias, biasResidual, residual, biasGELU, geluBackward, swiGLU, swiGLUBackward
    }

    /// Shapes with edge tiles in both directions, several k blocks (kc = 256: the epilogue must
    /// run once, after the last), a column split on 2 threads (n ≥ 512) and transposed B.
    static let shapes: [(m: Int, n: Int, k: Int, transB: Bool)] = [
        (37, 83, 300, false), (13, 45, 7, true), (25, 600, 520, false), (144, 64, 256, true),
    ]

    @Test("fused epilogue = matmul then the epilogue", arguments: Kind.allCases, [1, 2])
    func fusedMatchesUnfused(kind: Kind, threads: Int) {
        for s in Self.shapes {
            let (m, n, k) = (s.m, s.n, s.k)
            let a = buffer(m * k, seed: 1), b = buffer(k * n, seed: 2)
            // The epilogue's other operands, one set per run (the epilogue writes y and z).
            func operands() -> Operands {
                Operands(
                    x: buffer(m * n, seed: 3), y: buffer(m * n, seed: 4), z: buffer(m * n, seed: 5),
                    w: buffer(m * n, seed: 6), bias: buffer(n, seed: 7))
            }
            func epilogue(_ o: Operands) -> TileEpilogue<Float> {
                switch kind {
                case .bias: .bias(o.bias.base, residual: nil)
                case .biasResidual: .bias(o.bias.base, residual: o.x.base)
                case .residual: .residual(o.x.base)
                case .biasGELU: .biasGELU(bias: o.bias.base, activation: o.y.base)
                case .geluBackward: .geluBackward(h: o.x.base)
                case .swiGLU: .swiGLU(gate: o.x.base, activation: o.y.base)
                case .swiGLUBackward:
                    .swiGLUBackward(gate: o.x.base, up: o.w.base, gateGradient: o.y.base, upGradient: o.z.base)
                }
            }
            let kernel = GEMMKernel<Float>(threads: threads)
            let ldb = s.transB ? k : n
            let fusedC = buffer(m * n, seed: 9), fusedOps = operands()
            kernel.multiply(
                transA: false, transB: s.transB, m: m, n: n, k: k, a: a.base, lda: k, b: b.base, ldb: ldb,
                c: fusedC.base, ldc: n, epilogue: epilogue(fusedOps))
            let plainC = buffer(m * n, seed: 9), plainOps = operands()
            kernel.multiply(
                transA: false, transB: s.transB, m: m, n: n, k: k, alpha: 1, a: a.base, lda: k, b: b.base, ldb: ldb,
                beta: 0, c: plainC.base, ldc: n)
            epilogue(plainOps).applyAll(plainC.base, m: m, n: n, ldc: n, threads: threads)
            let written = [(fusedC, plainC), (fusedOps.y, plainOps.y), (fusedOps.z, plainOps.z)]
            for (f, p) in written {
                let bad = (0..<(m * n)).first { !(abs(f.base[$0] - p.base[$0]) <= 1e-6 * max(1, abs(p.base[$0]))) }
                #expect(bad == nil, "\(kind) \(s) on \(threads) threads: entry \(bad ?? -1) differs")
            }
            // And the epilogue did something: C is not the bare product, or y was written.
            let bare = buffer(m * n, seed: 9), initialY = buffer(m * n, seed: 4)
            kernel.multiply(
                transA: false, transB: s.transB, m: m, n: n, k: k, alpha: 1, a: a.base, lda: k, b: b.base, ldb: ldb,
                beta: 0, c: bare.base, ldc: n)
            let changed = (0..<(m * n)).contains {
                fusedC.base[$0] != bare.base[$0] || fusedOps.y.base[$0] != initialY.base[$0]
            }
            #expect(changed, "\(kind) \(s): the epilogue changed nothing")
        }
    }

    struct Operands {
        let x: AlignedBuffer<Float>, y: AlignedBuffer<Float>, z: AlignedBuffer<Float>, w: AlignedBuffer<Float>
        let bias: AlignedBuffer<Float>
    }

    func buffer(_ count: Int, seed: UInt64) -> AlignedBuffer<Float> {
        let b = AlignedBuffer<Float>(count: count, repeating: 0)
        b.pointer.fillUniform(seed: seed)
        return b
    }
}
