import BenchCore
import BenchRuntime
import Foundation

/// Rotary position embeddings (RoPE), Hugging Face Llama's "rotate half" layout: in each head
/// of `hd` values, position `s` rotates the pair (i, i + hd/2) by `s·θᵢ`,
/// `θᵢ = base^(−2i/hd)`. Multi-threaded over tokens, allocation-free.
struct RotaryEmbedding<T: NativeScalar> {
    let seq: Int, heads: Int, headDim: Int
    /// cos and sin of `s·θᵢ`, `seq × hd/2` each, computed in fp64 and rounded once.
    let cos: AlignedBuffer<T>, sin: AlignedBuffer<T>

    init(seq: Int, heads: Int, headDim: Int, base: Double) {
        (self.seq, self.heads, self.headDim) = (seq, heads, headDim)
        let half = headDim / 2
        cos = AlignedBuffer<T>(count: seq * half, repeating: 0)
        sin = AlignedBuffer<T>(count: seq * half, repeating: 0)
        for s in 0..<seq {
            for i in 0..<half {
                let angle = Double(s) * Self.frequency(i, headDim: headDim, base: base)
                cos.base[s * half + i] = T(Foundation.cos(angle))
                sin.base[s * half + i] = T(Foundation.sin(angle))
            }
        }
    }

    /// `θᵢ = base^(−2i/hd)`.
    static func frequency(_ i: Int, headDim: Int, base: Double) -> Double {
        Foundation.pow(base, -2 * Double(i) / Double(headDim))
    }

    /// `out = x·cos + rotate_half(x)·sin` for `tokens` rows of `heads × hd` (token `t` is at
    /// position `t mod seq`); with `inverse`, the transposed rotation (the backward: `dx` from `dy`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    /// `heads` and `rowStride` (elements from one token's row to the next) default to the
    /// embedding's heads, packed; a packed qkv row passes its Q or K part and the row's width.
    func apply(
        _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, tokens: Int, inverse: Bool, threads: Int,
        heads: Int? = nil, rowStride: Int? = nil
    ) {
        let n = heads ?? self.heads
        parallelRanges(
            tokens, threads: threads,
            Rotate(
                x: x, out: out, cos: UnsafePointer(cos.base), sin: UnsafePointer(sin.base), seq: seq, heads: n,
                half: headDim / 2, stride: rowStride ?? n * headDim, sign: inverse ? -1 : 1))
    }

    struct Rotate: RangeBody {
        let x: UnsafePointer<T>, out: UnsafeMutablePointer<T>, cos: UnsafePointer<T>, sin: UnsafePointer<T>
        let seq: Int, heads: Int, half: Int, stride: Int, sign: T
        func callAsFunction(_ range: Range<Int>) {
            for t in range {
                let c = cos + (t % seq) * half, s = sin + (t % seq) * half
                for h in 0..<heads {
                    let xh = x + t * stride + h * 2 * half, oh = out + t * stride + h * 2 * half
                    // (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin); the inverse flips sin's sign.
                    for i in 0..<half {
                        let (x1, x2, sn) = (xh[i], xh[i + half], sign * s[i])
                        oh[i] = x1 * c[i] - x2 * sn
                        oh[i + half] = x2 * c[i] + x1 * sn
                    }
                }
            }
        }
    }
}
