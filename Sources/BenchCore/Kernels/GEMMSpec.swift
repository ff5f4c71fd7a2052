/// General matrix multiply, `C[M×N] = A[M×K] · B[K×N]`, row-major, no transposes.
///
/// Parameters, in order: `M`, `N`, `K`. Case id example: `gemm/fp32/M=2048,N=4096,K=1024`.
public struct GEMMSpec: KernelSpec {
    public init() {}

    public var name: String { "gemm" }
    public var parameterNames: [String] { ["M", "N", "K"] }
    public var dtypes: [DType] { [.fp32, .fp64, .bf16, .fp8] }
    public var throughputUnit: String { "calls/s" }

    /// Largest accepted dimension; keeps every index product inside `Int32` for BLAS.
    public static let dimensionLimit = 1 << 20

    /// The dimensions of a valid case.
    public struct Shape: Hashable, Sendable {
        public var m: Int, n: Int, k: Int
        public init(m: Int, n: Int, k: Int) {
            self.m = m
            self.n = n
            self.k = k
        }
    }

    /// Builds the case for a shape.
    public static func kernelCase(_ dtype: DType, m: Int, n: Int, k: Int) -> KernelCase {
        KernelCase(
            kernel: "gemm", dtype: dtype, parameters: [.init("M", "\(m)"), .init("N", "\(n)"), .init("K", "\(k)")])
    }

    public func validate(_ kernelCase: KernelCase) throws(CaseError) {
        try checkDType(kernelCase)
        try checkParameterNames(kernelCase)
        var v: [Int] = []
        for p in kernelCase.parameters { v.append(try positiveInteger(p, of: kernelCase, limit: Self.dimensionLimit)) }
        // BLAS takes Int32 leading dimensions and element counts must not overflow.
        for (count, label) in [(v[0] * v[2], "M·K"), (v[2] * v[1], "K·N"), (v[0] * v[1], "M·N")]
        where count > Int(Int32.max) {
            throw .invalidParameter(
                caseID: kernelCase.id, reason: "\(label) = \(count) elements exceeds the 2^31-1 limit of BLAS indexing")
        }
    }

    /// The shape of a case this spec validated.
    public func shape(_ kernelCase: KernelCase) -> Shape {
        Shape(m: kernelCase.integer("M") ?? 0, n: kernelCase.integer("N") ?? 0, k: kernelCase.integer("K") ?? 0)
    }

    /// `2·M·N·K`: one multiply and one add per inner-product term.
    public func flops(_ kernelCase: KernelCase) -> Double {
        let s = shape(kernelCase)
        return 2 * Double(s.m) * Double(s.n) * Double(s.k)
    }

    /// `(M·K + K·N + M·N) · bytes per element`: read A and B once, write C once.
    public func bytes(_ kernelCase: KernelCase) -> Double {
        Double(bufferBytes(kernelCase))
    }

    public func bufferBytes(_ kernelCase: KernelCase) -> Int {
        let s = shape(kernelCase)
        let width = kernelCase.dtype.byteWidth ?? 8
        let (mk, o1) = s.m.multipliedReportingOverflow(by: s.k)
        let (kn, o2) = s.k.multipliedReportingOverflow(by: s.n)
        let (mn, o3) = s.m.multipliedReportingOverflow(by: s.n)
        if o1 || o2 || o3 { return Int.max }
        let (total, o4) = (mk + kn + mn).multipliedReportingOverflow(by: width)
        return o4 ? Int.max : total
    }
}
