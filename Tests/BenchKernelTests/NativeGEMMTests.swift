import BenchBLAS
import BenchCore
import BenchSwiftKernels
import BenchTraining
import Testing

@Suite("Native and BLAS GEMM correctness")
struct NativeGEMMTests {
    /// Shapes around the tile sizes (12×32 fp32, 12×16 fp64), blocking (kc 256,
    /// mc 144) and degenerate ones.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 7, 3), (5, 1, 9), (12, 32, 1), (13, 33, 17), (37, 101, 53),
        (144, 64, 256), (145, 65, 257), (97, 31, 300), (24, 48, 520), (300, 40, 33),
        (40, 1100, 70),  // several N panels, the last one partial; 2 threads split the columns
        (26, 700, 45),  // the column split with an edge sliver
    ]

    @Test("cpu-swift fp32 matches an fp64 reference on every entry", arguments: shapes, [1, 2])
    func fp32(shape: (Int, Int, Int), threads: Int) throws {
        try checkAll(Float.self, shape, threads: threads)
    }

    @Test("cpu-swift fp64 matches an fp64 reference on every entry", arguments: shapes, [1, 2])
    func fp64(shape: (Int, Int, Int), threads: Int) throws {
        try checkAll(Double.self, shape, threads: threads)
    }

    /// Compares every entry of C against the verification rule (``GEMMCheck``), not only the
    /// sampled entries.
    func checkAll<T: NativeScalar>(_: T.Type, _ s: (Int, Int, Int), threads: Int) throws {
        let (m, n, k) = s
        let problem = GEMMProblem<T>(GEMMSpec.kernelCase(T.dtype, m: m, n: n, k: k))
        GEMMKernel<T>(m: m, n: n, k: k, threads: threads).multiply(
            a: problem.a.base, b: problem.b.base, c: problem.c.base)
        var worst = 0.0
        let columns = (0..<n).map { j in (0..<k).map { Double(problem.b.base[$0 * n + j]) } }
        for i in 0..<m {
            let row = (0..<k).map { Double(problem.a.base[i * k + $0]) }
            for j in 0..<n {
                let (ref, bound) = GEMMCheck.reference(row: row, column: columns[j], dtype: T.dtype)
                worst = max(worst, abs(Double(problem.c.base[i * n + j]) - ref) / (bound + .leastNormalMagnitude))
            }
        }
        #expect(worst <= 1, "worst error \(worst) of bound for \(m)x\(n)x\(k), \(threads) threads")
        #expect(problem.verify().passed)
    }

    @Test("calling the kernel twice overwrites C rather than accumulating")
    func repeatedCalls() {
        let problem = GEMMProblem<Float>(GEMMSpec.kernelCase(.fp32, m: 50, n: 70, k: 600))
        let kernel = GEMMKernel<Float>(m: 50, n: 70, k: 600, threads: 2)
        for _ in 0..<3 { kernel.multiply(a: problem.a.base, b: problem.b.base, c: problem.c.base) }
        #expect(problem.verify().passed)
    }

    @Test("both measured backends run and verify every --quick matmul case")
    func backendsVerify() throws {
        for backend in [BLASBackend(cpuModel: "test") as any Backend, SwiftBackend(cpuModel: "test")] {
            for kc in MatmulSuite().cases(quick: true) where backend.unsupportedReason(for: kc) == nil {
                let prepared = try backend.prepare(kc, threads: 2)
                try prepared.run()
                let v = prepared.verify()
                #expect(v.passed, "\(kc.id) on \(backend.id): \(v.detail)")
            }
        }
    }

    @Test("the FMA peak probe reports a positive, finite rate")
    func peak() {
        let f32 = HostPeak.measure(dtype: .fp32, threads: 1, seconds: 0.03)
        let f64 = HostPeak.measure(dtype: .fp64, threads: 1, seconds: 0.03)
        #expect(f32 > 0 && f32.isFinite)
        #expect(f64 > 0 && f64.isFinite)
    }

    @Test("OpenBLAS core types map to their vector width and the warning names the fix")
    func blasCoreWidth() {
        #expect(OpenBLAS.vectorBits(coreName: "Prescott") == 128)
        #expect(OpenBLAS.vectorBits(coreName: "Haswell") == 256)
        #expect(OpenBLAS.vectorBits(coreName: "SkylakeX") == 512)
        #expect(OpenBLAS.autoCoreType(cpuFlags: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl"]) == "SkylakeX")
        #expect(OpenBLAS.autoCoreType(cpuFlags: ["avx2", "fma"]) == "Haswell")
        #expect(OpenBLAS.autoCoreType(cpuFlags: ["sse2"]) == nil)
    }
}

@Suite("Native GEMM with transposes, alpha and beta")
struct TransposedGEMMTests {
    @Test(
        "op(A)·op(B) with strides, α and β matches an fp64 reference on both engines",
        arguments: [(false, false), (true, false), (false, true), (true, true)], [0.0, 1.0, 0.5])
    func transposes(trans: (Bool, Bool), beta: Double) {
        // m < n: the BLAS engine splits C's columns over its 2 threads (n = 9: a 1-column
        // second slab); m > n: its rows.
        // n = 530 (≥ 2 × 256): the native kernel splits C's columns between its threads.
        for shape in [(29, 45, 300), (3, 9, 2000), (61, 23, 150), (20, 530, 70)] {
            for engine in [GEMMKernel<Double>(threads: 2) as any MatrixEngine<Double>, BLASEngine<Double>(threads: 2)] {
                check(engine, shape: shape, trans: trans, beta: beta)
            }
        }
    }

    func check(_ kernel: any MatrixEngine<Double>, shape: (Int, Int, Int), trans: (Bool, Bool), beta: Double) {
        let (m, n, k) = shape
        let (ta, tb) = trans
        // Stored shapes with padding columns to exercise leading dimensions.
        let (ar, ac) = ta ? (k, m) : (m, k), (br, bc) = tb ? (n, k) : (k, n)
        let lda = ac + 3, ldb = bc + 5, ldc = n + 7
        var rng = SplitMix64(seed: 42)
        let a = (0..<(ar * lda)).map { _ in rng.nextUniform() }
        let b = (0..<(br * ldb)).map { _ in rng.nextUniform() }
        var c = (0..<(m * ldc)).map { _ in rng.nextUniform() }
        var expected = c
        let original = c
        let alpha = -0.75
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j])
                }
                expected[i * ldc + j] = alpha * s + beta * c[i * ldc + j]
            }
        }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    kernel.multiply(
                        transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                        b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        var worst = 0.0
        for i in 0..<m { for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j])) } }
        #expect(worst < 1e-11, "max error \(worst) (\(type(of: kernel)), \(m)x\(n)x\(k))")
        // Padding columns of C (n..<ldc) are untouched.
        for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j] == original[i * ldc + j]) } }
    }
}
