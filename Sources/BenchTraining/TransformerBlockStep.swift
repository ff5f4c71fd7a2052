import BenchCore
import BenchRuntime
import Foundation

/// A pre-LayerNorm decoder block training step on preallocated buffers (see
/// `docs/training-kernels.md`): LayerNorm → QKV → causal multi-head attention →
/// output projection → residual → LayerNorm → MLP (4·D, GELU) → residual; MSE
/// loss against a target; backward through every op; the optimizer on all 12
/// parameter tensors. ``step()`` allocates nothing.
public final class TransformerBlockStep<T: NativeScalar> {
    public let kernelCase: KernelCase
    public let batch: Int, sequence: Int, model: Int, heads: Int, headDimension: Int, tokens: Int
    public let optimizer: Optimizer
    let engine: any MatrixEngine<T>
    let attentionPass: AttentionPass<T>

    /// The 12 parameter tensors (``parameterNames``), in one ``ParameterStore``.
    let parameters: ParameterStore<T>
    let ln1Gamma: ParameterTensor<T>, ln1Beta: ParameterTensor<T>
    let wqkv: ParameterTensor<T>, bqkv: ParameterTensor<T>, wo: ParameterTensor<T>, bo: ParameterTensor<T>
    let ln2Gamma: ParameterTensor<T>, ln2Beta: ParameterTensor<T>
    let w1: ParameterTensor<T>, b1: ParameterTensor<T>, w2: ParameterTensor<T>, b2: ParameterTensor<T>

    /// Block input x[T×D] and MSE target y[T×D].
    public let x: AlignedBuffer<T>, y: AlignedBuffer<T>
    let x1: AlignedBuffer<T>, mean1: AlignedBuffer<T>, rstd1: AlignedBuffer<T>
    let qkv: AlignedBuffer<T>, attention: AlignedBuffer<T>, r1: AlignedBuffer<T>
    let x2: AlignedBuffer<T>, mean2: AlignedBuffer<T>, rstd2: AlignedBuffer<T>
    let hidden: AlignedBuffer<T>, activation: AlignedBuffer<T>
    /// Block output out[T×D].
    public let output: AlignedBuffer<T>
    /// ∂L/∂out, set by the loss or by a caller of ``backward()``.
    public let outputGradient: AlignedBuffer<T>
    let hiddenGradient: AlignedBuffer<T>, x2Gradient: AlignedBuffer<T>, r1Gradient: AlignedBuffer<T>
    let attentionGradient: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>
    let x1Gradient: AlignedBuffer<T>
    /// ∂L/∂x.
    public let inputGradient: AlignedBuffer<T>
    let rowLoss: AlignedBuffer<Double>
    public private(set) var steps = 0
    /// The MSE loss of the latest ``step()``'s forward pass.
    public private(set) var loss = Double.nan

    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        self.kernelCase = kernelCase
        let s = TransformerBlockSpec().shape(kernelCase)
        (batch, sequence, model, heads, headDimension, tokens, optimizer) =
            (s.batch, s.sequence, s.model, s.heads, s.headDimension, s.tokens, s.optimizer)
        self.engine = engine
        attentionPass = AttentionPass(
            CausalAttention(batch: batch, sequence: sequence, model: model, heads: heads), engine: engine)
        let (t, d) = (tokens, model)
        // In the order of parameterNames.
        parameters = ParameterStore(
            counts: [d, d, d * 3 * d, 3 * d, d * d, d, d, d, d * 4 * d, 4 * d, 4 * d * d, d], optimizer: s.optimizer)
        let p = parameters.tensors
        (ln1Gamma, ln1Beta, wqkv, bqkv, wo, bo) = (p[0], p[1], p[2], p[3], p[4], p[5])
        (ln2Gamma, ln2Beta, w1, b1, w2, b2) = (p[6], p[7], p[8], p[9], p[10], p[11])
        func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
        (x, y, x1, attention, r1, x2) = (
            buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d)
        )
        (mean1, rstd1, mean2, rstd2) = (buffer(t), buffer(t), buffer(t), buffer(t))
        qkv = buffer(t * 3 * d)
        (hidden, activation) = (buffer(t * 4 * d), buffer(t * 4 * d))
        output = AlignedBuffer(count: t * d, repeating: .nan)
        (outputGradient, x2Gradient, r1Gradient, attentionGradient, x1Gradient, inputGradient) =
            (buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d), buffer(t * d))
        hiddenGradient = buffer(t * 4 * d)
        qkvGradient = buffer(t * 3 * d)
        rowLoss = AlignedBuffer(count: t, repeating: 0)
        Self.initialize(
            kernelCase, x: x.pointer, y: y.pointer, ln1Gamma: ln1Gamma.value.pointer,
            ln2Gamma: ln2Gamma.value.pointer, wqkv: wqkv.value.pointer, wo: wo.value.pointer,
            w1: w1.value.pointer, w2: w2.value.pointer, d: d)
    }

    /// Fills the initial state as `docs/training-kernels.md` specifies: γ = 1, β and biases 0,
    /// `Wqkv`, `Wo`, `W1` uniform/√D, `W2` uniform/√(4D), x and y uniform.
    public static func initialize(
        _ kernelCase: KernelCase, x: UnsafeMutableBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
        ln1Gamma: UnsafeMutableBufferPointer<T>, ln2Gamma: UnsafeMutableBufferPointer<T>,
        wqkv: UnsafeMutableBufferPointer<T>, wo: UnsafeMutableBufferPointer<T>,
        w1: UnsafeMutableBufferPointer<T>, w2: UnsafeMutableBufferPointer<T>, d: Int
    ) {
        let id = kernelCase.id
        x.fillUniform(seed: InputSeed.seed(caseID: id, operand: "x"))
        y.fillUniform(seed: InputSeed.seed(caseID: id, operand: "y"))
        ln1Gamma.update(repeating: 1)
        ln2Gamma.update(repeating: 1)
        let inD = 1 / Double(d).squareRoot(), in4D = 1 / Double(4 * d).squareRoot()
        for (name, buffer, scale) in [("Wqkv", wqkv, inD), ("Wo", wo, inD), ("W1", w1, inD), ("W2", w2, in4D)] {
            buffer.fillUniform(seed: InputSeed.seed(caseID: id, operand: name), scale: scale)
        }
    }

    /// Forward, MSE loss, backward and the optimizer update; returns the loss.
    @discardableResult
    public func step() -> Double {
        forward()
        let n = Double(tokens * model)
        loss =
            Elementwise.squaredError(
                out: output.base, target: y.base, dout: outputGradient.base, rowLoss: rowLoss.base,
                rows: tokens, cols: model, gradScale: T(2 / n), threads: engine.threads) / n
        backward()
        update()
        return loss
    }

    /// The forward pass from ``x`` to ``output``.
    public func forward() {
        let (t, d, th) = (tokens, model, engine.threads)
        Normalization.layerNormForward(
            x.base, gamma: ln1Gamma.value.base, beta: ln1Beta.value.base, y: x1.base,
            mean: mean1.base, rstd: rstd1.base, rows: t, cols: d, threads: th)
        engine.multiply(
            transA: false, transB: false, m: t, n: 3 * d, k: d, a: x1.base, lda: d, b: wqkv.value.base, ldb: 3 * d,
            c: qkv.base, ldc: 3 * d, epilogue: .bias(bqkv.value.base, residual: nil))
        attentionPass.forward(qkv: qkv.base, out: attention.base)
        engine.multiply(
            transA: false, transB: false, m: t, n: d, k: d, a: attention.base, lda: d, b: wo.value.base, ldb: d,
            c: r1.base, ldc: d, epilogue: .bias(bo.value.base, residual: x.base))
        Normalization.layerNormForward(
            r1.base, gamma: ln2Gamma.value.base, beta: ln2Beta.value.base, y: x2.base,
            mean: mean2.base, rstd: rstd2.base, rows: t, cols: d, threads: th)
        engine.multiply(
            transA: false, transB: false, m: t, n: 4 * d, k: d, a: x2.base, lda: d, b: w1.value.base, ldb: 4 * d,
            c: hidden.base, ldc: 4 * d, epilogue: .biasGELU(bias: b1.value.base, activation: activation.base))
        engine.multiply(
            transA: false, transB: false, m: t, n: d, k: 4 * d, a: activation.base, lda: 4 * d, b: w2.value.base,
            ldb: d, c: output.base, ldc: d, epilogue: .bias(b2.value.base, residual: r1.base))
    }

    /// The backward pass from ``outputGradient``: every parameter gradient and ``inputGradient``.
    public func backward() {
        let (t, d, th) = (tokens, model, engine.threads)
        let dout = outputGradient.base
        // MLP: out = r1 + gelu(x2·W1 + b1)·W2 + b2
        engine.multiply(
            transA: true, transB: false, m: 4 * d, n: d, k: t, alpha: 1, a: activation.base, lda: 4 * d,
            b: dout, ldb: d, beta: 0, c: w2.gradient.base, ldc: d)
        Elementwise.columnSums(dout, rows: t, cols: d, into: b2.gradient.base, threads: th)
        engine.multiply(
            transA: false, transB: true, m: t, n: 4 * d, k: d, a: dout, lda: d, b: w2.value.base, ldb: d,
            c: hiddenGradient.base, ldc: 4 * d, epilogue: .geluBackward(h: hidden.base))
        engine.multiply(
            transA: true, transB: false, m: d, n: 4 * d, k: t, alpha: 1, a: x2.base, lda: d,
            b: hiddenGradient.base, ldb: 4 * d, beta: 0, c: w1.gradient.base, ldc: 4 * d)
        Elementwise.columnSums(hiddenGradient.base, rows: t, cols: 4 * d, into: b1.gradient.base, threads: th)
        engine.multiply(
            transA: false, transB: true, m: t, n: d, k: 4 * d, alpha: 1, a: hiddenGradient.base, lda: 4 * d,
            b: w1.value.base, ldb: 4 * d, beta: 0, c: x2Gradient.base, ldc: d)
        // dr1 = dout (residual) + LayerNorm2ᵀ(dx2)
        Elementwise.copy(dout, to: r1Gradient.base, count: t * d, threads: th)
        Normalization.layerNormBackward(
            x2Gradient.base, x: r1.base, mean: mean2.base, rstd: rstd2.base,
            gamma: ln2Gamma.value.base, dx: r1Gradient.base, accumulate: true,
            dGamma: ln2Gamma.gradient.base, dBeta: ln2Beta.gradient.base, rows: t, cols: d, threads: th)
        // r1 = x + attention·Wo + bo
        engine.multiply(
            transA: true, transB: false, m: d, n: d, k: t, alpha: 1, a: attention.base, lda: d,
            b: r1Gradient.base, ldb: d, beta: 0, c: wo.gradient.base, ldc: d)
        Elementwise.columnSums(r1Gradient.base, rows: t, cols: d, into: bo.gradient.base, threads: th)
        engine.multiply(
            transA: false, transB: true, m: t, n: d, k: d, alpha: 1, a: r1Gradient.base, lda: d,
            b: wo.value.base, ldb: d, beta: 0, c: attentionGradient.base, ldc: d)
        attentionPass.backward(
            qkv: qkv.base, out: attention.base, outGradient: attentionGradient.base, qkvGradient: qkvGradient.base)
        // qkv = x1·Wqkv + bqkv
        engine.multiply(
            transA: true, transB: false, m: d, n: 3 * d, k: t, alpha: 1, a: x1.base, lda: d,
            b: qkvGradient.base, ldb: 3 * d, beta: 0, c: wqkv.gradient.base, ldc: 3 * d)
        Elementwise.columnSums(qkvGradient.base, rows: t, cols: 3 * d, into: bqkv.gradient.base, threads: th)
        engine.multiply(
            transA: false, transB: true, m: t, n: d, k: 3 * d, alpha: 1, a: qkvGradient.base, lda: 3 * d,
            b: wqkv.value.base, ldb: 3 * d, beta: 0, c: x1Gradient.base, ldc: d)
        // dx = dr1 (residual) + LayerNorm1ᵀ(dx1)
        Elementwise.copy(r1Gradient.base, to: inputGradient.base, count: t * d, threads: th)
        Normalization.layerNormBackward(
            x1Gradient.base, x: x.base, mean: mean1.base, rstd: rstd1.base,
            gamma: ln1Gamma.value.base, dx: inputGradient.base, accumulate: true,
            dGamma: ln1Gamma.gradient.base, dBeta: ln1Beta.gradient.base, rows: t, cols: d, threads: th)
    }

    /// The optimizer update of all 12 parameter tensors, in one pass over the ``ParameterStore``.
    public func update() {
        steps += 1
        parameters.update(step: steps, threads: engine.threads)
    }

    /// The names of the parameter tensors, in a fixed order.
    public static var parameterNames: [String] {
        ["ln1.gamma", "ln1.beta", "Wqkv", "bqkv", "Wo", "bo", "ln2.gamma", "ln2.beta", "W1", "b1", "W2", "b2"]
    }

    /// A parameter's value and gradient buffers by name (see ``parameterNames``).
    public func parameter(_ name: String) -> (
        value: UnsafeMutableBufferPointer<T>, gradient: UnsafeMutableBufferPointer<T>
    )? {
        guard let i = Self.parameterNames.firstIndex(of: name) else { return nil }
        return (parameters.tensors[i].value.pointer, parameters.tensors[i].gradient.pointer)
    }
}
