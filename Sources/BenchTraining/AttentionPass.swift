import BenchCore
import BenchRuntime

/// How an engine runs causal attention.
public enum AttentionAlgorithm: String, Sendable, CaseIterable {
    /// Every (batch, head)'s `S×S` probabilities are held, with the matmuls on the engine
    /// (``CausalAttention``): what a framework calling a BLAS does.
    case materialized
    /// Tile by tile with an online softmax, never more than a tile of the scores
    /// (``FlashAttention``): cpu-swift's own kernel.
    case flash
}

/// A causal attention layer's forward and backward on its own buffers, run the way its engine
/// asks (``MatrixEngine/attentionAlgorithm``): the materialised probabilities of every
/// (batch, head) and one `S×S` scratch, or the flash kernel's log-sum-exp and per-thread tiles.
/// ``backward(qkv:out:outGradient:qkvGradient:)`` needs the same `qkv` and the `out` that
/// ``forward(qkv:out:)`` wrote.
final class AttentionPass<T: NativeScalar> {
    let shape: CausalAttention<T>
    let engine: any MatrixEngine<T>
    let flash: FlashAttention<T>?
    /// The materialised path's probabilities (`B·H·S·S`) and score-gradient scratch (`S·S`).
    let probabilities: AlignedBuffer<T>?, scratch: AlignedBuffer<T>?

    init(_ shape: CausalAttention<T>, engine: any MatrixEngine<T>) {
        self.shape = shape
        self.engine = engine.attentionEngine
        switch engine.attentionAlgorithm {
        case .flash:
            flash = FlashAttention(shape: shape, threads: engine.threads)
            (probabilities, scratch) = (nil, nil)
        case .materialized:
            flash = nil
            let s = shape.sequence
            probabilities = AlignedBuffer(count: shape.batch * shape.heads * s * s, repeating: 0)
            scratch = AlignedBuffer(count: s * s, repeating: 0)
        }
    }

    func forward(qkv: UnsafePointer<T>, out: UnsafeMutablePointer<T>) {
        if let flash {
            flash.forward(qkv: qkv, out: out)
        } else if let probabilities {
            shape.forward(engine: engine, qkv: qkv, probabilities: probabilities.base, out: out)
        }
    }

    func backward(
        qkv: UnsafePointer<T>, out: UnsafePointer<T>, outGradient: UnsafePointer<T>,
        qkvGradient: UnsafeMutablePointer<T>
    ) {
        if let flash {
            flash.backward(qkv: qkv, out: out, outGradient: outGradient, qkvGradient: qkvGradient)
        } else if let probabilities, let scratch {
            shape.backward(
                engine: engine, qkv: qkv, probabilities: probabilities.base, outGradient: outGradient,
                qkvGradient: qkvGradient, scratch: scratch.base)
        }
    }
}
