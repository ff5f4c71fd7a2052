/// The rule every GEMM result is held to, whoever computed it: a built-in backend over its own
/// buffers or a plugin on another device (docs/plugin-protocol.md, docs/results-schema.md).
///
/// For an entry `C[i,j]` with products `tₖ = aᵢₖ·bₖⱼ` of the inputs **as the dtype stores
/// them** (fp32 and fp64 exactly as generated; bf16 rounded to nearest-even from the fp32
/// value, as `torch.Tensor.to(torch.bfloat16)` and JAX do), the reference is `Σₖ tₖ` in fp64
/// (compensated summation) and the bound
///
///     |c − ref| ≤ 8·u_acc·√K·‖t‖₂ + u_out·|ref|
///
/// `u_acc` is the unit round-off of the accumulation: fp32 (2⁻²⁴) for fp32 and bf16 — tensor
/// cores and CPUs accumulate bf16 products in fp32 — and fp64 (2⁻⁵³) for fp64. `u_out` is the
/// unit round-off of the output dtype (2⁻²⁴, 2⁻⁸, 2⁻⁵³): the one rounding of the result.
///
/// Why this form: the inputs are uniform in [−1, 1) with mean 0, so the products have random
/// signs and the partial sums grow like `√k`. The rounding errors of any summation order are
/// then at most about `u_acc·‖t‖₂·√K` (recursive summation, the worst order, measures about
/// 0.4·`u_acc`·`√K`·`‖t‖₂`, and the worst of 64 entries about 2.5 times that); the factor 8
/// leaves a margin of 3 or more. An fp32 GEMM computed in **TF32** (inputs rounded to 10
/// mantissa bits) errs by about `0.8·2⁻¹¹·‖t‖₂` per entry, which is `820/√K` times the bound:
/// with the worst of 64 entries it fails at every `K` below about 3·10⁶, and at every shape of
/// every suite. A dropped term or a wrong index errs by about `|tₖ|`, far above the bound.
/// (The older bound, `8·√K·u·Σ|tₖ|`, grew like `K^1.5` and let TF32 pass from `K` ≈ 3072.)
public enum GEMMCheck {
    /// The dtypes this rule verifies.
    public static let dtypes: [DType] = [.fp32, .fp64, .bf16]

    /// Unit round-off of the accumulation for `dtype`'s products.
    public static func accumulationRoundoff(_ dtype: DType) -> Double? {
        switch dtype {
        case .fp64: 0x1p-53
        case .fp32, .bf16: 0x1p-24
        default: nil
        }
    }

    /// `x` as `dtype` stores it, widened to fp64: fp32 and fp64 values as generated (every
    /// generated value is exact in fp32), bf16 rounded to nearest-even from fp32.
    @inline(__always)
    public static func stored(_ x: Double, as dtype: DType) -> Double {
        dtype == .bf16 ? Double(roundedToBF16(Float(x))) : x
    }

    /// `x` rounded to the nearest bf16 value (ties to even), as a Float. NaN stays NaN.
    @inline(__always)
    public static func roundedToBF16(_ x: Float) -> Float {
        guard x.isFinite else { return x }
        let bits = x.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
        return Float(bitPattern: rounded)
    }

    /// Row `i` of `A` (M×K) and column `j` of `B` (K×N) as `dtype` (default: the case's) stores
    /// them, regenerated from the case id in O(K) (no matrix is materialised).
    public static func generatedOperands(
        _ kernelCase: KernelCase, shape: GEMMSpec.Shape, storedAs dtype: DType? = nil
    ) -> Operands {
        let seedA = InputSeed.seed(caseID: kernelCase.id, operand: "A")
        let seedB = InputSeed.seed(caseID: kernelCase.id, operand: "B")
        let dtype = dtype ?? kernelCase.dtype
        return Operands(
            row: { i in
                var g = SplitMix64(seed: seedA, skipping: i * shape.k)
                return (0..<shape.k).map { _ in stored(g.nextUniform(), as: dtype) }
            },
            column: { j in
                (0..<shape.k).map { p in
                    var g = SplitMix64(seed: seedB, skipping: p * shape.n + j)
                    return stored(g.nextUniform(), as: dtype)
                }
            })
    }

    /// Access to the inputs one entry needs.
    public struct Operands {
        public var row: (Int) -> [Double]
        public var column: (Int) -> [Double]
        public init(row: @escaping (Int) -> [Double], column: @escaping (Int) -> [Double]) {
            self.row = row
            self.column = column
        }
    }

    /// The reference value and bound of one entry from its row of A and column of B.
    public static func reference(row a: [Double], column b: [Double], dtype: DType) -> (value: Double, bound: Double) {
        let uAcc = accumulationRoundoff(dtype) ?? 0x1p-24
        let uOut = dtype.unitRoundoff ?? 0x1p-24
        var sum = 0.0, compensation = 0.0, squares = 0.0
        for (x, y) in zip(a, b) {
            let t = x * y
            let s = sum + t  // Neumaier's compensated summation: the fp64 reference of fp64 cases
            compensation += abs(sum) >= abs(t) ? (sum - s) + t : (t - s) + sum
            sum = s
            squares += t * t
        }
        let ref = sum + compensation
        let bound = 8 * uAcc * Double(a.count).squareRoot() * squares.squareRoot() + uOut * abs(ref)
        return (ref, bound)
    }

    /// Checks `values` of `C` at `entries` against the rule.
    public static func check(
        _ kernelCase: KernelCase, shape: GEMMSpec.Shape, entries: [(Int, Int)], values: [Double], operands: Operands
    ) -> Verification {
        guard values.count == entries.count else {
            return Verification(
                passed: false, checkedEntries: 0, worstErrorRatio: .infinity, maxAbsoluteError: 0,
                tolerance: "", detail: "\(values.count) values for \(entries.count) entries")
        }
        let dtype = kernelCase.dtype
        var rows: [Int: [Double]] = [:], columns: [Int: [Double]] = [:]
        var tally = ErrorTally()
        for ((i, j), got) in zip(entries, values) {
            let row = rows[i] ?? operands.row(i), column = columns[j] ?? operands.column(j)
            (rows[i], columns[j]) = (row, column)
            let (ref, bound) = reference(row: row, column: column, dtype: dtype)
            tally.check("C[\(i),\(j)]", got: got, reference: ref, bound: bound)
        }
        return tally.verification(tolerance(dtype))
    }

    /// The rule as the notes column and the sidecar state it.
    public static func tolerance(_ dtype: DType) -> String {
        let inputs = dtype == .bf16 ? "inputs rounded to bf16 (nearest even), " : ""
        return
            "\(inputs)|c-ref| <= 8*u_acc*sqrt(K)*||a*b||_2 + u_out*|ref|, u_acc=\(accumulationRoundoff(dtype) ?? 0), u_out=\(dtype.unitRoundoff ?? 0)"
    }
}
