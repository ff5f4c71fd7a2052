import BenchCore

/// One piece of a kernel's work, as the performance model sees it.
enum Work: Equatable {
    /// `count` independent matmuls `[m×k]·[k×n]`, each `2·m·n·k` FLOPs.
    case matmul(m: Int, n: Int, k: Int, count: Int)
    /// Element-wise work: `bytes` moved and `flops` of vector arithmetic.
    case stream(bytes: Double, flops: Double)

    /// Splits a validated case into matmuls and element-wise passes, each one kernel launch.
    ///
    /// Training steps: every forward matmul `[m×k]·[k×n]` has two backward matmuls
    /// (`[m×n]·[n×k]` for the input gradient, `[k×m]·[m×n]` for the weight gradient);
    /// element-wise passes move their activations in the case's dtype and the optimizer
    /// moves fp32 parameters and state (mixed precision). Documented in `docs/models.md`.
    static func decompose(_ c: KernelCase) -> [Work] {
        let w = Double(c.dtype.byteWidth ?? 4)
        func withBackward(_ forward: [Work]) -> [Work] {
            forward
                + forward.flatMap { f -> [Work] in
                    guard case .matmul(let m, let n, let k, let count) = f else { return [] }
                    return [.matmul(m: m, n: k, k: n, count: count), .matmul(m: k, n: n, k: m, count: count)]
                }
        }
        func optimizer(_ parameters: Double, _ opt: Optimizer) -> Work {
            let states = opt == .sgd ? 1.0 : 2.0
            return .stream(bytes: 4 * parameters * (3 + 2 * states), flops: 12 * parameters)
        }
        switch c.kernel {
        case "gemm":
            let s = GEMMSpec().shape(c)
            return [.matmul(m: s.m, n: s.n, k: s.k, count: 1)]
        case "mlp_step":
            let s = MLPStepSpec().shape(c)
            let (b, d, h) = (Double(s.b), Double(s.d), Double(s.h))
            return withBackward([.matmul(m: s.b, n: s.h, k: s.d, count: 1), .matmul(m: s.b, n: s.d, k: s.h, count: 1)])
                + [
                    .stream(bytes: 3 * b * h * w, flops: 20 * b * h),  // bias + GELU
                    .stream(bytes: 4 * b * d * w, flops: 5 * b * d),  // bias + loss + dout
                    .stream(bytes: (b * d + b * h) * w, flops: b * d + b * h),  // bias gradients
                    .stream(bytes: 3 * b * h * w, flops: 25 * b * h),  // GELU backward
                    optimizer(2 * d * h + d + h, s.optimizer),
                ]
        case "transformer_block_step":
            let s = TransformerBlockSpec().shape(c)
            let (t, d, seq, heads, dh) = (s.tokens, s.model, s.sequence, s.heads, s.headDimension)
            let (td, probs) = (Double(t * d), Double(s.batch * heads) * Double(seq * seq))
            let forward: [Work] = [
                .matmul(m: t, n: 3 * d, k: d, count: 1), .matmul(m: seq, n: seq, k: dh, count: s.batch * heads),
                .matmul(m: seq, n: dh, k: seq, count: s.batch * heads), .matmul(m: t, n: d, k: d, count: 1),
                .matmul(m: t, n: 4 * d, k: d, count: 1), .matmul(m: t, n: d, k: 4 * d, count: 1),
            ]
            let dd = Double(d)
            return withBackward(forward) + [
                .stream(bytes: 2 * 2 * td * w, flops: 2 * 8 * td),  // LayerNorm ×2 forward
                .stream(bytes: 2 * 4 * td * w, flops: 2 * 10 * td),  // LayerNorm ×2 backward
                .stream(bytes: 2 * probs * w, flops: 5 * probs),  // softmax forward
                .stream(bytes: 3 * probs * w, flops: 4 * probs),  // softmax backward
                .stream(bytes: 3 * 4 * td * w, flops: 20 * 4 * td),  // bias + GELU
                .stream(bytes: 3 * 4 * td * w, flops: 25 * 4 * td),  // GELU backward
                .stream(bytes: 4 * 3 * td * w, flops: 4 * td),  // residuals, bias adds, loss
                optimizer(12 * dd * dd + 13 * dd, s.optimizer),
            ]
        case "attention_fwd_bwd":
            let v = c.parameters.map { Int($0.value) ?? 0 }
            let (b, seq, d, heads) = (v[0], v[1], v[2], v[3])
            let probs = Double(b * heads) * Double(seq * seq)
            return withBackward([
                .matmul(m: seq, n: seq, k: d / heads, count: b * heads),
                .matmul(m: seq, n: d / heads, k: seq, count: b * heads),
            ])
                + [.stream(bytes: 2 * probs * w, flops: 5 * probs), .stream(bytes: 3 * probs * w, flops: 4 * probs)]
        default:
            guard let spec = KernelRegistry.builtIn.spec(named: c.kernel) else { return [] }
            return [.stream(bytes: spec.bytes(c), flops: spec.flops(c))]
        }
    }
}
