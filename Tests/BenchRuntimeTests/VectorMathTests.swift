import BenchRuntime
import Foundation
import Testing

@Suite("Vectorised exp and tanh")
struct VectorMathTests {
    /// Every 16-lane block of a dense grid over the clamped domain of exp.
    func grid(from lo: Float, to hi: Float, count: Int) -> [SIMD16<Float>] {
        (0..<count).map { b in
            SIMD16<Float>((0..<16).map { lo + (hi - lo) * Float(b * 16 + $0) / Float(count * 16 - 1) })
        }
    }

    @Test("exp is within 3 ulp (relative 3·2⁻²³) of the fp64 exp over [−87, 88]")
    func expError() {
        var worst = 0.0
        for v in grid(from: -87, to: 88, count: 20_000) {
            let e = VectorMath.exp(v)
            for i in 0..<16 {
                let ref = Foundation.exp(Double(v[i]))
                worst = max(worst, abs(Double(e[i]) - ref) / ref)
            }
        }
        #expect(worst <= 3 * 0x1p-23, "worst relative error \(worst)")
    }

    @Test("exp keeps NaN, sends −∞ to e^−87.3 and clamps +∞; tanh keeps NaN; the lane maximum is exact")
    func specialValues() {
        var x = SIMD16<Float>(repeating: 1)
        x[3] = .nan
        x[5] = -.infinity
        x[9] = .infinity
        let e = VectorMath.exp(x)
        #expect(e[3].isNaN)
        #expect(e[5] > 0 && e[5] < 1e-37)
        #expect(e[9].isFinite && e[9] > 1e38)
        #expect(abs(Double(e[0]) - M_E) < 1e-6)
        #expect(VectorMath.tanh(x)[3].isNaN)
        let a = SIMD16<Float>((0..<16).map { Float($0) - 7.5 }), b = SIMD16<Float>((0..<16).map { 7.5 - Float($0) })
        let m = VectorMath.maximum(a, b)
        for i in 0..<16 { #expect(m[i] == Swift.max(a[i], b[i])) }
    }

    @Test("tanh has absolute error at most 4·2⁻²⁴ over [−20, 20] and saturates to ±1")
    func tanhError() {
        var worst = 0.0
        for v in grid(from: -20, to: 20, count: 20_000) {
            let t = VectorMath.tanh(v)
            for i in 0..<16 { worst = max(worst, abs(Double(t[i]) - Foundation.tanh(Double(v[i])))) }
        }
        #expect(worst <= 4 * 0x1p-24, "worst absolute error \(worst)")
        let big = VectorMath.tanh(SIMD16(repeating: 200)), small = VectorMath.tanh(SIMD16(repeating: -200))
        #expect(big == SIMD16(repeating: 1))
        #expect(small == SIMD16(repeating: -1))
    }

    /// Every length from 1 to 70 (short rows, whole vectors, the 64-wide loop, every tail).
    @Test("row maximum, lane max and lane sum match scalar loops; the row exponentials their sum and every value")
    func rows() {
        for count in 1...70 {
            let values = (0..<count).map { Float(($0 * 37 % 23) - 11) / 3 }
            let top = values.max()!
            #expect(values.withUnsafeBufferPointer { VectorMath.rowMaximum($0.baseAddress!, count: count) } == top)
            var row = values
            let sum = row.withUnsafeMutableBufferPointer {
                VectorMath.exponentiateRow($0.baseAddress!, count: count, shift: top)
            }
            var expected = 0.0
            for (got, x) in zip(row, values) {
                let ref = Foundation.exp(Double(x - top))
                expected += ref
                #expect(abs(Double(got) - ref) <= 3 * 0x1p-23 * ref, "exp(\(x) − \(top))")
            }
            #expect(abs(sum - expected) <= 1e-5 * expected, "sum over \(count) values")
        }
        let laneValues: [Float] = (0..<16).map { Float(($0 * 7) % 16) - 3.5 }
        let lanes = SIMD16<Float>(laneValues)
        let total: Float = laneValues.reduce(0, +)
        #expect(VectorMath.largestLane(lanes) == 11.5)
        #expect(VectorMath.laneSum(lanes) == total)
    }
}
