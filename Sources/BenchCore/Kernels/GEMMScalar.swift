/// The element types the GEMM kernels are generic over (`Float`, `Double`).
public protocol GEMMScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// The dtype of this scalar.
    static var dtype: DType { get }
}
extension Float: GEMMScalar { public static var dtype: DType { .fp32 } }
extension Double: GEMMScalar { public static var dtype: DType { .fp64 } }
