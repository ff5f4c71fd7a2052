/// A numeric element type a kernel computes in, such as `fp32`.
///
/// An open set: plugins and later suites may add names, so it is a struct
/// with static members rather than an enum.
public struct DType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// IEEE 754 binary32.
    public static let fp32 = DType(rawValue: "fp32")
    /// IEEE 754 binary64.
    public static let fp64 = DType(rawValue: "fp64")

    /// Every dtype the built-in suites know, in display order.
    public static let known: [DType] = [.fp32, .fp64]

    /// Size of one element in bytes, or `nil` for an unknown dtype.
    public var byteWidth: Int? {
        switch self {
        case .fp32: 4
        case .fp64: 8
        default: nil
        }
    }

    /// Unit round-off (machine epsilon / 2) of the dtype, used by verification tolerances.
    public var unitRoundoff: Double? {
        switch self {
        case .fp32: Double(Float.ulpOfOne) / 2
        case .fp64: Double.ulpOfOne / 2
        default: nil
        }
    }

    public var description: String { rawValue }
    public static func < (lhs: DType, rhs: DType) -> Bool { lhs.rawValue < rhs.rawValue }
}
