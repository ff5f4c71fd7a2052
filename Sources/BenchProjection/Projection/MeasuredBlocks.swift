import BenchCore
import BenchResults

/// The measured path (`bench project --from`, docs/project.md#measured): the model's own
/// block, LM head and optimizer measured by `bench run`, in place of the modeled compute.
///
/// The suites' block kernels have no head-dimension parameter, so only the unsplit block
/// (tp = 1) can be measured; the search keeps to tp = 1 and cp = 1. Communication, the
/// bubble and memory stay modeled.
public enum MeasuredBlocks {
    /// A fixed, bandwidth-bound AdamW size: the optimizer's time per parameter.
    public static let optimizerProbe = 1 << 24

    /// The case ids that `--from` needs for `r` at micro-batch `mb`.
    public static func cases(_ r: JobRequest, microBatch mb: Int = 1) throws(ProjectionError) -> (
        block: String, head: [String], optimizer: String
    ) {
        let m = r.model
        let dt = r.dtype.rawValue
        let s = r.sequence
        guard s <= 4096 else {
            throw .badInput(
                "--from: the suites' block kernels stop at S=4096; measure at --seq 4096 or less (got \(s))")
        }
        let block: String
        if m.activation == .swiglu && m.norm == .rmsnorm && m.position == "rope" {
            block =
                "llama_block_step/\(dt)/B=\(mb),S=\(s),D=\(m.hidden),heads=\(m.heads),kv_heads=\(m.kvHeads),H=\(m.ffn),opt=sgd"
        } else if m.activation == .gelu && m.norm == .layernorm && m.ffn == 4 * m.hidden && m.kvHeads == m.heads {
            block = "transformer_block_step/\(dt)/B=\(mb),S=\(s),D=\(m.hidden),heads=\(m.heads),opt=sgd"
        } else {
            throw .badInput(
                "--from: no suite kernel has \(m.name)'s block (llama_block_step: SwiGLU, RMSNorm, RoPE; transformer_block_step: GELU, LayerNorm, FFN 4·D, no GQA)"
            )
        }
        let (t, v, h) = (mb * s, m.vocab, m.hidden)
        let head = [
            "gemm/\(dt)/M=\(t),N=\(v),K=\(h)", "gemm/\(dt)/M=\(t),N=\(h),K=\(v)", "gemm/\(dt)/M=\(h),N=\(v),K=\(t)",
            "softmax_xent_fwd_bwd/\(dt)/T=\(t),V=\(v)",
        ]
        return (block, head, "adamw_update/fp32/N=\(optimizerProbe)")
    }

    /// `bench run` measuring exactly those cases.
    public static func runLine(request r: JobRequest, backend: String?) throws(ProjectionError) -> String {
        let c = try cases(r)
        let all = [c.block] + c.head + [c.optimizer]
        let adds = all.map { "--add-case '\($0)'" }.joined(separator: " ")
        return
            "bench run --suite training --case '^$' \(adds) --backend \(backend ?? "cpu-swift") --out results/\(r.model.name)-blocks.csv"
    }

    /// The measured times of `backend` (or the file's only measured backend), or a line naming
    /// the cases the file lacks.
    public static func times(rows: [ResultRow], request r: JobRequest, backend: String?, file: String)
        throws(ProjectionError) -> MeasuredTimes
    {
        let measured = Array(Set(rows.filter { $0.backendKind == .measured }.map(\.backend.rawValue))).sorted()
        let chosen: String
        if let backend {
            guard measured.contains(backend) else {
                throw .badInput(
                    "--from \(file): no measured rows of backend '\(backend)' (measured backends: \(measured.isEmpty ? "none" : measured.joined(separator: ", ")))"
                )
            }
            chosen = backend
        } else {
            guard measured.count == 1 else {
                throw .badInput(
                    "--from \(file): \(measured.isEmpty ? "no measured rows" : "several measured backends (\(measured.joined(separator: ", "))): name one with --backend")"
                )
            }
            chosen = measured[0]
        }
        let c = try cases(r)
        func median(_ id: String) -> Double? {
            rows.filter { $0.caseID == id && $0.backend.rawValue == chosen && $0.status == .ok }
                .compactMap(\.medianSeconds).min()
        }
        let needed = [c.block] + c.head + [c.optimizer]
        let missing = needed.filter { median($0) == nil }
        guard missing.isEmpty else {
            throw .badInput(
                "--from \(file): no ok row of \(chosen) for \(missing.joined(separator: ", ")) (bench project --print-cases prints the run that measures them)"
            )
        }
        let head = c.head.compactMap(median).reduce(0, +)
        let device = rows.first { $0.caseID == c.block && $0.backend.rawValue == chosen }?.device ?? chosen
        return MeasuredTimes(
            block: median(c.block)!, head: head, optimizerPerParameter: median(c.optimizer)! / Double(optimizerProbe),
            backend: chosen, microBatch: 1, device: device)
    }
}
