/// A numeric element type a kernel computes in, such as `fp32`.
///
/// An open set: plugins and later suites may add names, so it is a struct
/// with static members rather than an enum.
public struct DType: RawRepresentable, Hashable, Sendable, Comparable, Codable, CodingKeyRepresentable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// IEEE 754 binary32.
    public static let fp32 = DType(rawValue: "fp32")
    /// IEEE 754 binary64.
    public static let fp64 = DType(rawValue: "fp64")

    /// bfloat16 (8-bit exponent, 8-bit significand); training cases in bf16 mean mixed
    /// precision: bf16 matmul inputs, fp32 accumulation, fp32 master weights and optimizer state.
    public static let bf16 = DType(rawValue: "bf16")
    /// An 8-bit float (E4M3/E5M2 on GPUs, MXFP8 on Trainium3; the catalog notes which).
    public static let fp8 = DType(rawValue: "fp8")

    /// Every dtype the built-in suites know, in display order.
    public static let known: [DType] = [.fp32, .fp64, .bf16, .fp8]

    /// Size of one element in bytes, or `nil` for an unknown dtype.
    public var byteWidth: Int? {
        switch self {
        case .fp32: 4
        case .fp64: 8
        case .bf16: 2
        case .fp8: 1
        default: nil
        }
    }

    /// Unit round-off (machine epsilon / 2) of the dtype, used by verification tolerances.
    public var unitRoundoff: Double? {
        switch self {
        case .fp32: Double(Float.ulpOfOne) / 2
        case .fp64: Double.ulpOfOne / 2
        case .bf16: 0x1p-8
        case .fp8: 0x1p-4
        default: nil
        }
    }

    public var description: String { rawValue }
    public static func < (lhs: DType, rhs: DType) -> Bool { lhs.rawValue < rhs.rawValue }
}
