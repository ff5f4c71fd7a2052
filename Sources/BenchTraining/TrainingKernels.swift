import BenchCore
import BenchRuntime
import Foundation

/// Builds the prepared case of any training kernel (steps and per-op microkernels) for an engine.
public enum TrainingKernels {
    /// The kernels this module implements.
    public static let names: Set<String> = [
        "mlp_step", "transformer_block_step", "llama_block_step", "layernorm_fwd_bwd", "softmax_xent_fwd_bwd",
        "attention_fwd_bwd",
        "adamw_update", "rmsnorm_fwd_bwd", "swiglu_fwd_bwd", "rope_fwd_bwd",
        "gqa_attention_fwd_bwd",
    ]

    /// A prepared case of `kernelCase` (a validated case of one of ``names``) on `engine`.
    public static func prepare<T: NativeScalar>(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) throws
        -> any PreparedCase
    {
        switch kernelCase.kernel {
        case "mlp_step": return PreparedMLP<T>(kernelCase, engine: engine)
        case "transformer_block_step": return PreparedTransformerBlock<T>(kernelCase, engine: engine)
        case "llama_block_step": return PreparedLlamaBlock<T>(kernelCase, engine: engine)
        case "layernorm_fwd_bwd": return PreparedLayerNorm<T>(kernelCase, threads: engine.threads)
        case "softmax_xent_fwd_bwd": return PreparedSoftmaxCrossEntropy<T>(kernelCase, threads: engine.threads)
        case "attention_fwd_bwd": return PreparedAttention<T>(kernelCase, engine: engine)
        case "adamw_update": return PreparedAdamW<T>(kernelCase, threads: engine.threads)
        case "rmsnorm_fwd_bwd": return PreparedRMSNorm<T>(kernelCase, threads: engine.threads)
        case "swiglu_fwd_bwd": return PreparedSwiGLU<T>(kernelCase, threads: engine.threads)
        case "rope_fwd_bwd": return PreparedRoPE<T>(kernelCase, threads: engine.threads)
        case "gqa_attention_fwd_bwd": return PreparedGQAAttention<T>(kernelCase, engine: engine)
        default: throw BackendError.unsupportedKernel(backend: "training", kernel: kernelCase.kernel)
        }
    }
}
