import BenchCore
import BenchRuntime

/// A 2-layer MLP training step on preallocated buffers (see `docs/training-kernels.md`).
///
/// Matmuls go through a ``MatrixEngine`` (OpenBLAS or the native kernels); the
/// element-wise work is fused into single passes and split over the engine's
/// threads. ``step()`` allocates nothing.
public final class MLPStep<T: NativeScalar> {
    public let kernelCase: KernelCase
    public let b: Int, d: Int, h: Int
    public let optimizer: Optimizer
    let engine: any MatrixEngine<T>

    /// W1, b1, W2 and b2, in one ``ParameterStore``.
    let parameters: ParameterStore<T>
    let w1: ParameterTensor<T>, b1: ParameterTensor<T>, w2: ParameterTensor<T>, b2: ParameterTensor<T>
    /// Inputs x[B×D] and targets y[B×D].
    public let x: AlignedBuffer<T>, y: AlignedBuffer<T>
    /// Pre-activation h[B×H] and activation a[B×H].
    let hidden: AlignedBuffer<T>, activation: AlignedBuffer<T>
    /// Output out[B×D], its gradient, and dx[B×D].
    public let output: AlignedBuffer<T>
    let outputGradient: AlignedBuffer<T>
    public let inputGradient: AlignedBuffer<T>
    /// ∂L/∂a, turned into ∂L/∂h in place.
    let hiddenGradient: AlignedBuffer<T>
    let rowLoss: AlignedBuffer<Double>
    /// Steps taken (AdamW's t).
    public private(set) var steps = 0
    /// The loss of the latest step's forward pass (before its update).
    public private(set) var loss = Double.nan

    /// Allocates the buffers and generates the initial state from the case id.
    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        self.kernelCase = kernelCase
        let s = MLPStepSpec().shape(kernelCase)
        (b, d, h, optimizer) = (s.b, s.d, s.h, s.optimizer)
        self.engine = engine
        parameters = ParameterStore(counts: [d * h, h, h * d, d], optimizer: optimizer)
        let p = parameters.tensors
        (w1, b1, w2, b2) = (p[0], p[1], p[2], p[3])
        x = AlignedBuffer(count: b * d, repeating: 0)
        y = AlignedBuffer(count: b * d, repeating: 0)
        hidden = AlignedBuffer(count: b * h, repeating: 0)
        activation = AlignedBuffer(count: b * h, repeating: 0)
        output = AlignedBuffer(count: b * d, repeating: .nan)
        outputGradient = AlignedBuffer(count: b * d, repeating: 0)
        inputGradient = AlignedBuffer(count: b * d, repeating: 0)
        hiddenGradient = AlignedBuffer(count: b * h, repeating: 0)
        rowLoss = AlignedBuffer(count: b, repeating: 0)
        Self.initialize(kernelCase, x: x.pointer, y: y.pointer, w1: w1.value.pointer, w2: w2.value.pointer, d: d, h: h)
    }

    /// Fills the initial state exactly as `docs/training-kernels.md` specifies
    /// (biases and optimizer state start at zero).
    public static func initialize(
        _ kernelCase: KernelCase, x: UnsafeMutableBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
        w1: UnsafeMutableBufferPointer<T>, w2: UnsafeMutableBufferPointer<T>, d: Int, h: Int
    ) {
        let id = kernelCase.id
        x.fillUniform(seed: InputSeed.seed(caseID: id, operand: "x"))
        y.fillUniform(seed: InputSeed.seed(caseID: id, operand: "y"))
        var g = SplitMix64(seed: InputSeed.seed(caseID: id, operand: "W1"))
        let s1 = 1 / Double(d).squareRoot(), s2 = 1 / Double(h).squareRoot()
        for i in w1.indices { w1[i] = T(g.nextUniform() * s1) }
        g = SplitMix64(seed: InputSeed.seed(caseID: id, operand: "W2"))
        for i in w2.indices { w2[i] = T(g.nextUniform() * s2) }
    }

    /// Forward, backward and the optimizer update; returns the forward loss.
    @discardableResult
    public func step() -> Double {
        forwardBackward()
        update()
        return loss
    }

    /// Forward and backward only: fills ``loss`` and every gradient.
    public func forwardBackward() {
        let t = engine.threads
        // h = x·W1 + b1; a = gelu(h)
        engine.multiply(
            transA: false, transB: false, m: b, n: h, k: d, a: x.base, lda: d, b: w1.value.base, ldb: h,
            c: hidden.base, ldc: h, epilogue: .biasGELU(bias: b1.value.base, activation: activation.base))
        // out = a·W2 + b2; loss = Σ(out − y)²/(B·D); dout = 2(out − y)/(B·D)
        engine.multiply(
            transA: false, transB: false, m: b, n: d, k: h, alpha: 1, a: activation.base, lda: h,
            b: w2.value.base, ldb: d, beta: 0, c: output.base, ldc: d)
        let n = Double(b * d)
        loss =
            Elementwise.biasMSE(
                out: output.base, bias: b2.value.base, target: y.base, dout: outputGradient.base,
                rowLoss: rowLoss.base, rows: b, cols: d, gradScale: T(2 / n), threads: t) / n
        // dW2 = aᵀ·dout; db2 = Σ_rows dout; da = dout·W2ᵀ; dh = da ⊙ gelu′(h)
        engine.multiply(
            transA: true, transB: false, m: h, n: d, k: b, alpha: 1, a: activation.base, lda: h,
            b: outputGradient.base, ldb: d, beta: 0, c: w2.gradient.base, ldc: d)
        Elementwise.columnSums(outputGradient.base, rows: b, cols: d, into: b2.gradient.base, threads: t)
        engine.multiply(
            transA: false, transB: true, m: b, n: h, k: d, a: outputGradient.base, lda: d, b: w2.value.base, ldb: d,
            c: hiddenGradient.base, ldc: h, epilogue: .geluBackward(h: hidden.base))
        // dW1 = xᵀ·dh; db1 = Σ_rows dh; dx = dh·W1ᵀ
        engine.multiply(
            transA: true, transB: false, m: d, n: h, k: b, alpha: 1, a: x.base, lda: d,
            b: hiddenGradient.base, ldb: h, beta: 0, c: w1.gradient.base, ldc: h)
        Elementwise.columnSums(hiddenGradient.base, rows: b, cols: h, into: b1.gradient.base, threads: t)
        engine.multiply(
            transA: false, transB: true, m: b, n: d, k: h, alpha: 1, a: hiddenGradient.base, lda: h,
            b: w1.value.base, ldb: h, beta: 0, c: inputGradient.base, ldc: d)
    }

    /// The optimizer update of every parameter, in one pass over the ``ParameterStore``.
    public func update() {
        steps += 1
        parameters.update(step: steps, threads: engine.threads)
    }

    /// Parameters by name (`W1`, `b1`, `W2`, `b2`): value and gradient buffers.
    public func parameter(_ name: String) -> (
        value: UnsafeMutableBufferPointer<T>, gradient: UnsafeMutableBufferPointer<T>
    )? {
        let p: ParameterTensor<T>
        switch name {
        case "W1": p = w1
        case "b1": p = b1
        case "W2": p = w2
        case "b2": p = b2
        default: return nil
        }
        return (p.value.pointer, p.gradient.pointer)
    }
}
