import Dispatch
/// SplitMix64, the 64-bit generator every input of every case comes from.
///
/// Reference: Steele, Lea, Flood, "Fast splittable pseudorandom number
/// generators" (OOPSLA 2014); constants as in Vigna's `splitmix64.c`.
/// Peers and plugins in other languages reproduce it exactly; see
/// `docs/results-schema.md#inputs`.
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator `count` calls of ``next()`` after `SplitMix64(seed:)`, in O(1): each call
    /// adds the same constant to the state, so the stream can start at any element
    /// (verifications read a few rows of a large operand this way).
    public init(seed: UInt64, skipping count: Int) { state = seed &+ UInt64(count) &* Self.increment }

    /// What every ``next()`` adds to the state (the golden ratio in 64-bit fixed point).
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The next 64-bit output.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value uniform in [-1, 1) with 24 random bits: `(next() >> 40) · 2⁻²³ − 1`.
    ///
    /// Every value is exactly representable in fp32, so fp32 and fp64 cases and
    /// every language see bit-identical inputs.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 40) * 0x1p-23 - 1
    }
}

/// Seeds for the inputs of a case.
public enum InputSeed {
    /// FNV-1a (64-bit) of the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The seed of one operand of a case: `fnv1a64("<case id>#<operand>")`, e.g. `gemm/fp32/M=2,N=2,K=2#A`.
    public static func seed(caseID: String, operand: String) -> UInt64 {
        fnv1a64("\(caseID)#\(operand)")
    }
}

extension UnsafeMutableBufferPointer where Element: BinaryFloatingPoint {
    /// Fills the buffer with `SplitMix64(seed:).nextUniform() · scale` values, element `i` from
    /// the `i`-th draw (the product in fp64, then rounded to the element type).
    ///
    /// Buffers of 4 Mi elements and more are filled in 1 Mi-element chunks at once, each chunk's
    /// generator skipped to its first element: the same values as one pass in index order (the
    /// weights of a Llama-3-8B layer, 218 M values, took a third of a second per preparation in
    /// one thread).
    @_specialize(where Element == Float)
    @_specialize(where Element == Double)
    public func fillUniform(seed: UInt64, scale: Double = 1) {
        let chunk = 1 << 20
        guard count >= 4 * chunk, let base = baseAddress else {
            fill(seed: seed, scale: scale, from: 0, to: count)
            return
        }
        let buffer = UnsafeMutableBufferPointer(start: base, count: count)
        // Each chunk writes its own elements only.
        nonisolated(unsafe) let fillChunk: (Int) -> Void = { c in
            buffer.fill(seed: seed, scale: scale, from: c * chunk, to: Swift.min(buffer.count, (c + 1) * chunk))
        }
        DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { fillChunk($0) }
    }

    @_specialize(where Element == Float)
    @_specialize(where Element == Double)
    private func fill(seed: UInt64, scale: Double, from start: Int, to end: Int) {
        var rng = SplitMix64(seed: seed, skipping: start)
        for i in start..<end { self[i] = Element(rng.nextUniform() * scale) }
    }
}
