import BenchCore
import BenchRuntime
import Foundation

/// A Llama-style decoder block training step on preallocated buffers (`llama_block_step`,
/// `docs/training-kernels.md`): RMSNorm → QKV (grouped: `D + 2·D_kv` columns) → RoPE on Q and
/// K → causal grouped-query attention → output projection → residual → RMSNorm → gate and up
/// projections → SwiGLU → down projection → residual; MSE loss against a target; backward
/// through every op; the optimizer on all 7 parameter tensors (no biases, as Llama).
/// ``step()`` allocates nothing.
public final class LlamaBlockStep<T: NativeScalar> {
    public let kernelCase: KernelCase
    public let shape: LlamaBlockSpec.Shape
    let engine: any MatrixEngine<T>
    let attentionPass: AttentionPass<T>
    let rope: RotaryEmbedding<T>

    /// The 7 parameter tensors (``parameterNames``), in one ``ParameterStore``.
    let parameters: ParameterStore<T>
    let rms1Gamma: ParameterTensor<T>, wqkv: ParameterTensor<T>, wo: ParameterTensor<T>
    let rms2Gamma: ParameterTensor<T>, wGate: ParameterTensor<T>, wUp: ParameterTensor<T>, wDown: ParameterTensor<T>

    /// Block input x[T×D] and MSE target y[T×D].
    public let x: AlignedBuffer<T>, y: AlignedBuffer<T>
    let xn1: AlignedBuffer<T>, rstd1: AlignedBuffer<T>, qkv: AlignedBuffer<T>, rotated: AlignedBuffer<T>
    let attention: AlignedBuffer<T>, r1: AlignedBuffer<T>
    let xn2: AlignedBuffer<T>, rstd2: AlignedBuffer<T>, gate: AlignedBuffer<T>, up: AlignedBuffer<T>
    let activation: AlignedBuffer<T>
    /// Block output out[T×D].
    public let output: AlignedBuffer<T>
    /// ∂L/∂out, set by the loss.
    public let outputGradient: AlignedBuffer<T>
    let activationGradient: AlignedBuffer<T>, gateGradient: AlignedBuffer<T>, upGradient: AlignedBuffer<T>
    let xn2Gradient: AlignedBuffer<T>, r1Gradient: AlignedBuffer<T>, attentionGradient: AlignedBuffer<T>
    let rotatedGradient: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>
    let xn1Gradient: AlignedBuffer<T>
    /// ∂L/∂x.
    public let inputGradient: AlignedBuffer<T>
    let rowLoss: AlignedBuffer<Double>
    public private(set) var steps = 0
    /// The MSE loss of the latest ``step()``'s forward pass.
    public private(set) var loss = Double.nan

    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        self.kernelCase = kernelCase
        let s = LlamaBlockSpec().shape(kernelCase)
        shape = s
        self.engine = engine
        attentionPass = AttentionPass(
            CausalAttention(batch: s.batch, sequence: s.sequence, model: s.model, heads: s.heads, kvHeads: s.kvHeads),
            engine: engine)
        rope = RotaryEmbedding(seq: s.sequence, heads: s.heads, headDim: s.headDimension, base: RoPESpec.base)
        let (t, d, w, h) = (s.tokens, s.model, s.qkvWidth, s.hidden)
        // In the order of parameterNames.
        parameters = ParameterStore(counts: [d, d * w, d * d, d, d * h, d * h, h * d], optimizer: s.optimizer)
        let p = parameters.tensors
        (rms1Gamma, wqkv, wo, rms2Gamma) = (p[0], p[1], p[2], p[3])
        (wGate, wUp, wDown) = (p[4], p[5], p[6])
        func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
        (x, y, xn1, attention, r1, xn2) = (
            buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d)
        )
        (rstd1, rstd2) = (buffer(t), buffer(t))
        (qkv, rotated) = (buffer(t * w), buffer(t * w))
        (gate, up, activation) = (buffer(t * h), buffer(t * h), buffer(t * h))
        output = AlignedBuffer(count: t * d, repeating: .nan)
        (outputGradient, xn2Gradient, r1Gradient, attentionGradient, xn1Gradient, inputGradient) =
            (buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d))
        (activationGradient, gateGradient, upGradient) = (buffer(t * h), buffer(t * h), buffer(t * h))
        (rotatedGradient, qkvGradient) = (buffer(t * w), buffer(t * w))
        rowLoss = AlignedBuffer(count: t, repeating: 0)
        Self.initialize(
            kernelCase, x: x.pointer, y: y.pointer, gammas: [rms1Gamma.value.pointer, rms2Gamma.value.pointer],
            weights: [
                ("Wqkv", wqkv.value.pointer, d), ("Wo", wo.value.pointer, d), ("Wgate", wGate.value.pointer, d),
                ("Wup", wUp.value.pointer, d), ("Wdown", wDown.value.pointer, h),
            ])
    }

    /// Fills the initial state as `docs/training-kernels.md` specifies: γ = 1; each weight
    /// uniform(id, name)/√fan-in (`D` for Wqkv, Wo, Wgate, Wup; `H` for Wdown); x and y uniform.
    static func initialize(
        _ kernelCase: KernelCase, x: UnsafeMutableBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
        gammas: [UnsafeMutableBufferPointer<T>], weights: [(String, UnsafeMutableBufferPointer<T>, Int)]
    ) {
        let id = kernelCase.id
        x.fillUniform(seed: InputSeed.seed(caseID: id, operand: "x"))
        y.fillUniform(seed: InputSeed.seed(caseID: id, operand: "y"))
        for g in gammas { g.update(repeating: 1) }
        for (name, buffer, fanIn) in weights {
            let scale = 1 / Double(fanIn).squareRoot()
            buffer.fillUniform(seed: InputSeed.seed(caseID: id, operand: name), scale: scale)
        }
    }

    /// Forward, MSE loss, backward and the optimizer update; returns the loss.
    @discardableResult
    public func step() -> Double {
        forward()
        let n = Double(shape.tokens * shape.model)
        loss =
            Elementwise.squaredError(
                out: output.base, target: y.base, dout: outputGradient.base, rowLoss: rowLoss.base,
                rows: shape.tokens, cols: shape.model, gradScale: T(2 / n), threads: engine.threads) / n
        backward()
        update()
        return loss
    }

    /// `C[m×n] (+)= A·B` with row-major operands (`beta` 1 accumulates).
    func gemm(
        _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ c: UnsafeMutablePointer<T>,
        m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, beta: T = 0
    ) {
        engine.multiply(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: transA ? m : k, b: b,
            ldb: transB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// `C[m×n] = A·B`, then `epilogue` on C.
    func gemm(
        _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ c: UnsafeMutablePointer<T>,
        m: Int, n: Int, k: Int, transB: Bool = false, then epilogue: MatmulEpilogue<T>
    ) {
        engine.multiply(
            transA: false, transB: transB, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: transB ? k : n, c: c, ldc: n,
            epilogue: epilogue)
    }

    /// The forward pass from ``x`` to ``output``.
    public func forward() {
        let (t, d, w, h, th) = (shape.tokens, shape.model, shape.qkvWidth, shape.hidden, engine.threads)
        Normalization.rmsNormForward(
            x.base, gamma: rms1Gamma.value.base, y: xn1.base, rstd: rstd1.base, rows: t, cols: d, threads: th)
        gemm(xn1.base, wqkv.value.base, qkv.base, m: t, n: w, k: d)
        rotate(from: qkv.base, to: rotated.base, inverse: false)
        attentionPass.forward(qkv: rotated.base, out: attention.base)
        gemm(attention.base, wo.value.base, r1.base, m: t, n: d, k: d, then: .residual(x.base))
        Normalization.rmsNormForward(
            r1.base, gamma: rms2Gamma.value.base, y: xn2.base, rstd: rstd2.base, rows: t, cols: d, threads: th)
        gemm(xn2.base, wGate.value.base, gate.base, m: t, n: h, k: d)
        gemm(
            xn2.base, wUp.value.base, up.base, m: t, n: h, k: d,
            then: .swiGLU(gate: gate.base, activation: activation.base))
        gemm(activation.base, wDown.value.base, output.base, m: t, n: d, k: h, then: .residual(r1.base))
    }

    /// RoPE on the Q and K parts of packed rows (V copied), or its transpose (the backward).
    func rotate(from src: UnsafeMutablePointer<T>, to dst: UnsafeMutablePointer<T>, inverse: Bool) {
        let (t, d, w, dkv, th) = (shape.tokens, shape.model, shape.qkvWidth, shape.kvWidth, engine.threads)
        rope.apply(src, dst, tokens: t, inverse: inverse, threads: th, heads: shape.heads, rowStride: w)
        rope.apply(src + d, dst + d, tokens: t, inverse: inverse, threads: th, heads: shape.kvHeads, rowStride: w)
        for r in 0..<t { (dst + r * w + d + dkv).update(from: src + r * w + d + dkv, count: dkv) }
    }

    /// The backward pass from ``outputGradient``: every parameter gradient and ``inputGradient``.
    public func backward() {
        let (t, d, w, h, th) = (shape.tokens, shape.model, shape.qkvWidth, shape.hidden, engine.threads)
        let dout = outputGradient.base
        // MLP: out = r1 + swiglu(xn2·Wgate, xn2·Wup)·Wdown
        gemm(activation.base, dout, wDown.gradient.base, m: h, n: d, k: t, transA: true)
        gemm(
            dout, wDown.value.base, activationGradient.base, m: t, n: h, k: d, transB: true,
            then: .swiGLUBackward(
                gate: gate.base, up: up.base, gateGradient: gateGradient.base, upGradient: upGradient.base))
        gemm(xn2.base, gateGradient.base, wGate.gradient.base, m: d, n: h, k: t, transA: true)
        gemm(xn2.base, upGradient.base, wUp.gradient.base, m: d, n: h, k: t, transA: true)
        gemm(gateGradient.base, wGate.value.base, xn2Gradient.base, m: t, n: d, k: h, transB: true)
        gemm(upGradient.base, wUp.value.base, xn2Gradient.base, m: t, n: d, k: h, transB: true, beta: 1)
        // dr1 = dout (residual) + RMSNorm2ᵀ(dxn2)
        Elementwise.copy(dout, to: r1Gradient.base, count: t * d, threads: th)
        Normalization.rmsNormBackward(
            xn2Gradient.base, x: r1.base, rstd: rstd2.base, gamma: rms2Gamma.value.base, dx: r1Gradient.base,
            accumulate: true, dGamma: rms2Gamma.gradient.base, rows: t, cols: d, threads: th)
        // r1 = x + attention·Wo
        gemm(attention.base, r1Gradient.base, wo.gradient.base, m: d, n: d, k: t, transA: true)
        gemm(r1Gradient.base, wo.value.base, attentionGradient.base, m: t, n: d, k: d, transB: true)
        attentionPass.backward(
            qkv: rotated.base, out: attention.base, outGradient: attentionGradient.base,
            qkvGradient: rotatedGradient.base)
        rotate(from: rotatedGradient.base, to: qkvGradient.base, inverse: true)
        // qkv = xn1·Wqkv
        gemm(xn1.base, qkvGradient.base, wqkv.gradient.base, m: d, n: w, k: t, transA: true)
        gemm(qkvGradient.base, wqkv.value.base, xn1Gradient.base, m: t, n: d, k: w, transB: true)
        // dx = dr1 (residual) + RMSNorm1ᵀ(dxn1)
        Elementwise.copy(r1Gradient.base, to: inputGradient.base, count: t * d, threads: th)
        Normalization.rmsNormBackward(
            xn1Gradient.base, x: x.base, rstd: rstd1.base, gamma: rms1Gamma.value.base, dx: inputGradient.base,
            accumulate: true, dGamma: rms1Gamma.gradient.base, rows: t, cols: d, threads: th)
    }

    /// The optimizer update of all 7 parameter tensors.
    public func update() {
        steps += 1
        parameters.update(step: steps, threads: engine.threads)
    }

    /// The names of the parameter tensors, in a fixed order.
    public static var parameterNames: [String] { ["rms1.gamma", "Wqkv", "Wo", "rms2.gamma", "Wgate", "Wup", "Wdown"] }

    /// A parameter's value and gradient buffers by name (see ``parameterNames``).
    public func parameter(_ name: String) -> (
        value: UnsafeMutableBufferPointer<T>, gradient: UnsafeMutableBufferPointer<T>
    )? {
        guard let i = Self.parameterNames.firstIndex(of: name) else { return nil }
        return (parameters.tensors[i].value.pointer, parameters.tensors[i].gradient.pointer)
    }
}

extension LlamaBlockStep: TrainingModel {}
