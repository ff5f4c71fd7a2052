import BenchCore
import BenchTraining
import Foundation
import Testing

/// ``GEMMCheck``'s rule against emulated arithmetic at every GEMM shape of every suite, both
/// ways: what real hardware computes correctly passes, what it computes in too low a precision
/// fails. Only the sampled entries are emulated (a row of A times a column of B each).
@Suite("GEMM verification per dtype")
struct GEMMCheckTests {
    /// Every GEMM shape of the matmul suite, all presets.
    static let shapes: [GEMMSpec.Shape] = {
        var seen = Set<String>(), out: [GEMMSpec.Shape] = []
        for preset in [SuitePreset.full, .quick, .ci] {
            for c in MatmulSuite().cases(preset) where c.kernel == "gemm" {
                let s = GEMMSpec().shape(c)
                if seen.insert("\(s.m)x\(s.n)x\(s.k)").inserted { out.append(s) }
            }
        }
        return out
    }()

    /// `x` rounded to nearest-even with `bits` mantissa bits kept (10: TF32, 7: bf16).
    static func round(_ x: Float, keeping bits: Int) -> Float {
        let drop = UInt32(23 - bits)
        let b = x.bitPattern
        let half = (UInt32(1) << (drop - 1)) - 1
        return Float(bitPattern: (b &+ half &+ ((b >> drop) & 1)) & ~((UInt32(1) << drop) - 1))
    }

    enum Arithmetic {
        case fp32  // inputs as generated, one fp32 accumulator in order (the worst summation order)
        case tf32  // inputs rounded to 10 mantissa bits, fp32 accumulation
        case bf16GPU  // inputs rounded to bf16, fp32 accumulation, output rounded to bf16
        case bf16Accumulated  // the same with every partial sum rounded to bf16
    }

    /// The values `arithmetic` gives at the case's verification entries, from its generated inputs.
    static func emulate(_ kernelCase: KernelCase, _ arithmetic: Arithmetic) -> [Double] {
        let shape = GEMMSpec().shape(kernelCase)
        let raw = GEMMCheck.generatedOperands(kernelCase, shape: shape, storedAs: .fp32)
        return GEMMProblem<Float>.verificationEntries(kernelCase).map { (i, j) in
            let a = raw.row(i).map { Float($0) }, b = raw.column(j).map { Float($0) }
            var acc: Float = 0
            switch arithmetic {
            case .fp32:
                for p in 0..<shape.k { acc += a[p] * b[p] }
            case .tf32:
                for p in 0..<shape.k { acc += round(a[p], keeping: 10) * round(b[p], keeping: 10) }
            case .bf16GPU:
                for p in 0..<shape.k { acc += round(a[p], keeping: 7) * round(b[p], keeping: 7) }
                acc = round(acc, keeping: 7)
            case .bf16Accumulated:
                for p in 0..<shape.k {
                    acc = round(acc + round(a[p], keeping: 7) * round(b[p], keeping: 7), keeping: 7)
                }
            }
            return Double(acc)
        }
    }

    static func verify(_ kernelCase: KernelCase, _ values: [Double]) -> Verification {
        let shape = GEMMSpec().shape(kernelCase)
        return GEMMCheck.check(
            kernelCase, shape: shape, entries: GEMMProblem<Float>.verificationEntries(kernelCase), values: values,
            operands: GEMMCheck.generatedOperands(kernelCase, shape: shape))
    }

    @Test("fp32 passes and TF32 fails the fp32 rule at every suite shape")
    func fp32AgainstTF32() {
        #expect(Self.shapes.count >= 20)
        var tightest = Double.infinity
        for s in Self.shapes {
            let c = GEMMSpec.kernelCase(.fp32, m: s.m, n: s.n, k: s.k)
            let exact = Self.verify(c, Self.emulate(c, .fp32))
            #expect(exact.passed, "\(c.id): \(exact.detail)")
            #expect(exact.worstErrorRatio < 0.5, "\(c.id): fp32 uses \(exact.worstErrorRatio) of the bound")
            let tf32 = Self.verify(c, Self.emulate(c, .tf32))
            #expect(!tf32.passed, "\(c.id): TF32 at \(tf32.worstErrorRatio) of the bound")
            tightest = min(tightest, tf32.worstErrorRatio)
        }
        #expect(tightest > 2, "TF32 must miss the bound by a margin; worst case \(tightest)")
    }

    @Test("GPU bf16 (rounded inputs, fp32 accumulation) passes the bf16 rule; bf16 accumulation and the fp32 rule fail")
    func bf16() {
        for s in Self.shapes {
            let c = GEMMSpec.kernelCase(.bf16, m: s.m, n: s.n, k: s.k)
            let gpu = Self.emulate(c, .bf16GPU)
            let ok = Self.verify(c, gpu)
            #expect(ok.passed, "\(c.id): \(ok.detail)")
            if s.k >= 256 {  // with few terms, bf16 partial sums can be exact enough by luck
                let lowAcc = Self.verify(c, Self.emulate(c, .bf16Accumulated))
                #expect(!lowAcc.passed, "\(c.id): bf16 accumulation at \(lowAcc.worstErrorRatio) of the bound")
            }
            // A bf16 result is no fp32 result: the same values fail the fp32 case of this shape.
            let asFP32 = GEMMSpec.kernelCase(.fp32, m: s.m, n: s.n, k: s.k)
            #expect(!Self.verify(asFP32, Self.emulate(asFP32, .bf16GPU)).passed, "\(asFP32.id)")
        }
    }

    @Test("bf16 rounding is to nearest even; a dropped term fails every dtype's rule")
    func roundingAndDroppedTerm() throws {
        #expect(GEMMCheck.roundedToBF16(1 + 0x1p-8) == 1)  // a tie goes to even
        #expect(GEMMCheck.roundedToBF16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(GEMMCheck.roundedToBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)  // tie to the even neighbour
        #expect(GEMMCheck.roundedToBF16(.nan).isNaN)
        for dtype in [DType.fp32, .fp64, .bf16] {
            let c = GEMMSpec.kernelCase(dtype, m: 64, n: 64, k: 512)
            let shape = GEMMSpec().shape(c)
            let ops = GEMMCheck.generatedOperands(c, shape: shape)
            let entries = GEMMProblem<Double>.verificationEntries(c)
            // Exact sums of the stored inputs, less one entry's largest term (|t| ≈ 1: a
            // dropped term of average size hides below bf16's output rounding of a large sum).
            var values = entries.map { (i, j) in zip(ops.row(i), ops.column(j)).reduce(0) { $0 + $1.0 * $1.1 } }
            #expect(Self.verify(c, values).passed, "\(c.id)")
            let (i, j) = entries[5]
            values[5] -= zip(ops.row(i), ops.column(j)).map { $0 * $1 }.max { abs($0) < abs($1) } ?? 0
            #expect(!Self.verify(c, values).passed, "\(c.id): a dropped term passed")
        }
    }
}
