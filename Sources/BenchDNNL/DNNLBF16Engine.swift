import BenchCore
import BenchRuntime
import BenchTraining
import CBenchDNNL

/// oneDNN's matmul primitive in bf16 as the mixed-precision training steps' ``MatrixEngine``:
/// every matmul rounds both operands to bf16 (to nearest even, ``bench_round_bf16``) and
/// accumulates in fp32 into the fp32 output, as PyTorch's autocast does on CPUs; parameters,
/// gradients, optimizer state and element-wise work stay fp32.
///
/// A step has a handful of matmul shapes; each gets one primitive, created on its first call
/// (warm-up) and kept, and the bf16 copies of the operands live in buffers that grow only on
/// the first calls, so later steps allocate nothing. A primitive oneDNN refuses leaves C as
/// NaN, and the step's verification fails with the row.
public final class DNNLBF16Engine: MatrixEngine {
    public typealias Scalar = Float
    public let threads: Int
    var primitives: [Shape: OpaquePointer] = [:]
    var a16 = AlignedBuffer<UInt16>(count: 0, repeating: 0), b16 = AlignedBuffer<UInt16>(count: 0, repeating: 0)
    /// Why the last primitive could not be created, if one could not.
    public private(set) var failure: String?

    struct Shape: Hashable {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, ldc: Int, alpha: UInt32, beta: UInt32
    }

    /// Attention stays fp32 in a mixed-precision step: its matmuls run on oneDNN's fp32 engine,
    /// made when a step with attention first asks.
    public lazy var attentionEngine: any MatrixEngine<Float> = DNNLEngine(threads: threads)

    public init(threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
    }

    deinit {
        for primitive in primitives.values { bench_dnnl_matmul_destroy(primitive) }
    }

    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        let shape = Shape(
            transA: transA, transB: transB, m: m, n: n, k: k, ldc: ldc, alpha: alpha.bitPattern,
            beta: beta.bitPattern)
        guard let primitive = primitive(for: shape) else {
            for i in 0..<m { (c + i * ldc).update(repeating: .nan, count: n) }
            return
        }
        if a16.count < m * k { a16 = AlignedBuffer(count: m * k, repeating: 0) }
        if b16.count < k * n { b16 = AlignedBuffer(count: k * n, repeating: 0) }
        let (aRows, aColumns) = transA ? (k, m) : (m, k)
        let (bRows, bColumns) = transB ? (n, k) : (k, n)
        parallelRanges(
            aRows, threads: threads, minimumPerThread: 64, Round(src: a, ld: lda, cols: aColumns, dst: a16.base))
        parallelRanges(
            bRows, threads: threads, minimumPerThread: 64, Round(src: b, ld: ldb, cols: bColumns, dst: b16.base))
        if bench_dnnl_matmul_run_on(primitive, a16.base, b16.base, c) != 0 {
            for i in 0..<m { (c + i * ldc).update(repeating: .nan, count: n) }
        }
    }

    func primitive(for shape: Shape) -> OpaquePointer? {
        if let known = primitives[shape] { return known }
        var why = [CChar](repeating: 0, count: 256)
        guard
            let created = bench_dnnl_matmul_strided_create(
                Int64(shape.m), Int64(shape.n), Int64(shape.k), shape.transA ? 1 : 0, shape.transB ? 1 : 0,
                Int64(shape.ldc), 1, Float(bitPattern: shape.alpha), Float(bitPattern: shape.beta), &why, why.count)
        else {
            failure = String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return nil
        }
        primitives[shape] = created
        return created
    }

    /// Rows `range` of a stored operand rounded to bf16 into a dense copy.
    struct Round: RangeBody {
        let src: UnsafePointer<Float>, ld: Int, cols: Int, dst: UnsafeMutablePointer<UInt16>
        func callAsFunction(_ range: Range<Int>) {
            bench_round_bf16(
                src + range.lowerBound * ld, Int64(range.count), Int64(cols), Int64(ld), dst + range.lowerBound * cols)
        }
    }
}
