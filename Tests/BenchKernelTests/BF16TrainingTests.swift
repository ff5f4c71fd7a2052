import BenchCore
import BenchRuntime
import BenchSwiftKernels
import BenchTraining
import Testing

/// cpu-swift's mixed-precision training (bf16 matmuls, fp32 everything else) on every bf16 path
/// this CPU has; nothing runs where it has none.
@Suite("cpu-swift bf16 training steps")
struct BF16TrainingTests {
    static let flags = HostProbe.cpuInfo().flags
    static let paths = BF16Path.available(cpuFlags: flags)

    /// K = 301: two K blocks on the avx512_bf16 path (kc = 256), the second of 45 rows, so an
    /// odd last row (a half pair) follows the whole pairs of a transposed B.
    @Test(
        "the engine rounds op(A) and op(B) to bf16 on every transpose, with α and β, on every entry",
        arguments: [(13, 40, 70), (5, 64, 301)])
    func engine(m: Int, n: Int, k: Int) {
        for path in Self.paths {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for beta: Float in [0, 1, 0.5] {
                    var g = SplitMix64(seed: 7)
                    let a = (0..<m * k).map { _ in Float(g.nextUniform()) },
                        b = (0..<k * n).map { _ in Float(g.nextUniform()) }
                    let c0 = (0..<m * n).map { _ in Float(g.nextUniform()) }
                    var c = c0
                    let alpha: Float = 0.5
                    let (lda, ldb) = (transA ? m : k, transB ? k : n)
                    BF16MatrixEngine(path: path, threads: 2).multiply(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                        beta: beta, c: &c, ldc: n)
                    func r(_ v: Float) -> Double { Double(GEMMCheck.roundedToBF16(v)) }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var ref = Double(beta) * Double(c0[i * n + j]), mag = abs(ref)
                            for p in 0..<k {
                                let t =
                                    r(alpha * a[transA ? p * m + i : i * k + p]) * r(b[transB ? j * k + p : p * n + j])
                                ref += t
                                mag += abs(t)
                            }
                            worst = max(
                                worst, abs(Double(c[i * n + j]) - ref) / (8 * 0x1p-24 * Double(k).squareRoot() * mag))
                        }
                    }
                    #expect(worst <= 1, "\(path.rawValue) trans \(transA) \(transB) β \(beta): \(worst) of the bound")
                }
            }
        }
    }

    @Test("bf16 mlp_step verifies its first forward pass on each path, and stays finite", arguments: [1, 2])
    func mlpStep(threads: Int) throws {
        let kc = try KernelRegistry.builtIn.validatedCase("mlp_step/bf16/B=64,D=256,H=1024,opt=adamw")
        for path in Self.paths {
            let backend = SwiftBackend(cpuModel: "test", cpuFlags: Self.flags, bf16Kernel: path.rawValue)
            #expect(backend.unsupportedReason(for: kc) == nil)
            let prepared = try backend.prepare(kc, threads: threads)
            try prepared.run()
            let first = prepared.verify()
            #expect(first.passed, "\(path.rawValue): \(first.detail)")
            #expect(first.checkedEntries == 4 * 256)
            for _ in 0..<3 { try prepared.run() }
            #expect(prepared.verify().passed, "\(path.rawValue) after 4 steps: \(prepared.verify().detail)")
        }
    }

    @Test("the bf16 rule can fail: operands rounded to fp8 e4m3's 3 mantissa bits are far outside it")
    func ruleFailsCoarserRounding() throws {
        let kc = try KernelRegistry.builtIn.validatedCase("mlp_step/bf16/B=64,D=256,H=1024,opt=adamw")
        let prepared = PreparedMLP<Float>(kc, engine: CoarseEngine(threads: 1))
        try prepared.run()
        let v = prepared.verify()
        #expect(!v.passed)
        #expect(v.worstErrorRatio > 2, "\(v.detail)")
    }
}

/// An engine that rounds both operands to 3 mantissa bits (fp8 e4m3's precision, no range limit)
/// before an fp32 GEMM: what a backend running fp8 while claiming bf16 would compute. (An fp32
/// engine, which rounds nothing, passes the bf16 rule: its error is within what rounding the
/// activations to bf16 could explain.)
private final class CoarseEngine: MatrixEngine {
    typealias Scalar = Float
    let inner: GEMMKernel<Float>
    var threads: Int { inner.threads }
    init(threads: Int) { inner = GEMMKernel<Float>(threads: threads) }

    func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        func coarse(_ p: UnsafePointer<Float>, count: Int) -> [Float] {
            (0..<count).map { i in
                let x = p[i]
                guard x != 0, x.isFinite else { return x }
                let e = Float(sign: .plus, exponent: x.exponent - 3, significand: 1)
                return (x / e).rounded() * e
            }
        }
        let ca = coarse(a, count: (transA ? k : m) * lda), cb = coarse(b, count: (transB ? n : k) * ldb)
        inner.multiply(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ca, lda: lda, b: cb, ldb: ldb,
            beta: beta,
            c: c, ldc: ldc)
    }
}
