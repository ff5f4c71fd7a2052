import BenchCore
import BenchRuntime

/// Softmax cross-entropy over a vocabulary, forward and backward in one pass per row.
public enum SoftmaxCrossEntropy {
    /// For each row r of `logits` (`rows × vocabulary`): `loss_r = −log softmax(logits_r)[target_r]`;
    /// overwrites the row with `∂(mean loss)/∂logits = (softmax − onehot) / rows`.
    /// Returns the mean loss. `rowLoss` is per-row scratch.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forwardBackward<T: NativeScalar>(
        logits: UnsafeMutablePointer<T>, targets: UnsafePointer<Int32>, rows: Int, vocabulary: Int,
        rowLoss: UnsafeMutablePointer<Double>, threads: Int
    ) -> Double {
        let scale = T(1 / Double(rows))
        parallelRanges(
            rows, threads: threads,
            Rows(logits: logits, targets: targets, vocabulary: vocabulary, rowLoss: rowLoss, scale: scale))
        var total = 0.0
        for r in 0..<rows { total += rowLoss[r] }
        return total / Double(rows)
    }

    struct Rows<T: NativeScalar>: RangeBody {
        let logits: UnsafeMutablePointer<T>, targets: UnsafePointer<Int32>, vocabulary: Int
        let rowLoss: UnsafeMutablePointer<Double>, scale: T
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let l = logits + r * vocabulary
                let mx = Elementwise.maximum(l, count: vocabulary)
                let sum = Elementwise.exponentiate(l, count: vocabulary, shift: mx)
                let target = Int(targets[r])
                let inv = T(1 / sum)
                rowLoss[r] = -Double(T.logarithm(l[target] * inv))
                let factor = inv * scale
                for j in 0..<vocabulary { l[j] *= factor }
                l[target] -= scale
            }
        }
    }
}
