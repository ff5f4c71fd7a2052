import BenchBLAS
import BenchCore
import BenchSwiftKernels
import BenchTraining
import Foundation
import Testing

@Suite("transformer_block_step correctness")
struct TransformerBlockTests {
    static func engine64(_ name: String) -> any MatrixEngine<Double> {
        name == "cpu-blas" ? BLASEngine<Double>(threads: 2) : GEMMKernel<Double>(threads: 2)
    }

    /// Central differences in fp64 (ε = 1e-5) of the MSE loss with respect to sampled
    /// entries of every parameter and of x. Truncation O(ε²) and round-off O(u·L/ε) are
    /// both ≈ 1e-10, so analytic and numeric gradients must agree within 1e-6·max(|g|, 1e-2);
    /// a wrong backward (missing mask, transposed matmul, LayerNorm term) errs by > 1e-2.
    @Test("every gradient matches central finite differences (fp64)", arguments: ["cpu-blas", "cpu-swift"])
    func finiteDifferences(engineName: String) throws {
        let kc = TransformerBlockSpec.kernelCase(.fp64, b: 2, s: 5, d: 8, heads: 2, optimizer: .adamw)
        let model = TransformerBlockStep<Double>(kc, engine: Self.engine64(engineName))
        // Move γ, β and biases off their initial 1 and 0 so every term of the backward is exercised.
        var g = SplitMix64(seed: 3)
        for name in ["ln1.gamma", "ln1.beta", "bqkv", "bo", "ln2.gamma", "ln2.beta", "b1", "b2"] {
            let p = try #require(model.parameter(name))
            for i in p.value.indices { p.value[i] += 0.3 * g.nextUniform() }
        }
        func lossAndGradients() -> Double {
            model.forward()
            let n = Double(model.tokens * model.model)
            var loss = 0.0
            for i in 0..<(model.tokens * model.model) {
                let diff = model.output.base[i] - model.y.base[i]
                loss += diff * diff / n
                model.outputGradient.base[i] = 2 * diff / n
            }
            model.backward()
            return loss
        }
        _ = lossAndGradients()
        var analytic: [String: [Double]] = [:]
        for name in TransformerBlockStep<Double>.parameterNames {
            analytic[name] = Array(try #require(model.parameter(name)).gradient)
        }
        let dx = Array(model.inputGradient.pointer)
        func numeric(_ perturb: (Double) -> Void) -> Double {
            let eps = 1e-5
            perturb(eps)
            let plus = lossAndGradients()
            perturb(-2 * eps)
            let minus = lossAndGradients()
            perturb(eps)
            return (plus - minus) / (2 * eps)
        }
        var checked = 0
        for name in TransformerBlockStep<Double>.parameterNames {
            let p = try #require(model.parameter(name))
            let a = try #require(analytic[name])
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 6)) {
                let n = numeric { p.value[i] += $0 }
                #expect(abs(a[i] - n) <= 1e-6 * max(abs(a[i]), 1e-2), "\(name)[\(i)] analytic \(a[i]) numeric \(n)")
                checked += 1
            }
        }
        for i in [0, 9, 41, 79] {
            let n = numeric { model.x.base[i] += $0 }
            #expect(abs(dx[i] - n) <= 1e-6 * max(abs(dx[i]), 1e-2), "dx[\(i)] analytic \(dx[i]) numeric \(n)")
        }
        #expect(checked >= 60)
    }

    /// Different GEMM blocking and summation orders give fp32 round-off differences; 1e-4
    /// relative after 3 AdamW steps is far below any real discrepancy.
    @Test("cpu-blas and cpu-swift agree on fp32 loss, gradients and updated parameters")
    func backendsAgree() throws {
        // SGD keeps updates linear in the gradients; AdamW would amplify round-off in
        // near-zero gradients to whole learning-rate steps.
        let kc = TransformerBlockSpec.kernelCase(.fp32, b: 2, s: 24, d: 48, heads: 4, optimizer: .sgd)
        let a = TransformerBlockStep<Float>(kc, engine: BLASEngine<Float>(threads: 2))
        let b = TransformerBlockStep<Float>(kc, engine: GEMMKernel<Float>(threads: 2))
        for _ in 0..<3 {
            a.step()
            b.step()
            #expect(abs(a.loss - b.loss) <= 1e-5 * a.loss)
        }
        for name in TransformerBlockStep<Float>.parameterNames {
            let pa = try #require(a.parameter(name)), pb = try #require(b.parameter(name))
            let gScale = pa.gradient.map { abs($0) }.max() ?? 1
            var worstValue: Float = 0, worstGradient: Float = 0
            for i in pa.value.indices {
                worstValue = max(worstValue, abs(pa.value[i] - pb.value[i]) / max(abs(pa.value[i]), 1e-2))
                worstGradient = max(worstGradient, abs(pa.gradient[i] - pb.gradient[i]) / gScale)
            }
            #expect(worstValue <= 1e-4, "\(name) values differ by \(worstValue)")
            #expect(worstGradient <= 1e-3, "\(name) gradients differ by \(worstGradient)")
        }
    }

    /// The block with a token embedding (plus fixed random position vectors, so attention
    /// can find the previous position) and an output projection learns to copy a random
    /// sequence over a vocabulary of 16 shifted by one position.
    @Test(
        "with embedding and output projection the block learns a copy task (loss ≤ 50% in 300 steps)",
        arguments: ["cpu-blas", "cpu-swift"])
    func learnsCopyTask(engineName: String) throws {
        let (vocab, b, s, d, heads) = (16, 4, 16, 32, 4)
        let engine: any MatrixEngine<Float> =
            engineName == "cpu-blas" ? BLASEngine<Float>(threads: 2) : GEMMKernel<Float>(threads: 2)
        let model = TransformerBlockStep<Float>(
            TransformerBlockSpec.kernelCase(.fp32, b: b, s: s, d: d, heads: heads, optimizer: .adamw), engine: engine)
        let t = b * s
        var g = SplitMix64(seed: 11)
        var embedding = (0..<(vocab * d)).map { _ in Float(g.nextUniform()) }
        let position = (0..<(s * d)).map { _ in Float(g.nextUniform()) }
        var projection = (0..<(d * vocab)).map { _ in Float(g.nextUniform() / Double(d).squareRoot()) }
        var (me, ve) = ([Float](repeating: 0, count: vocab * d), [Float](repeating: 0, count: vocab * d))
        var (mp, vp) = ([Float](repeating: 0, count: d * vocab), [Float](repeating: 0, count: d * vocab))
        var logits = [Float](repeating: 0, count: t * vocab), rowLoss = [Double](repeating: 0, count: t)
        var dProjection = [Float](repeating: 0, count: d * vocab), dEmbedding = [Float](repeating: 0, count: vocab * d)
        var first = Double.nan, last = Double.nan
        for step in 1...300 {
            // A fresh random batch every step; targets are the previous token (position 0 predicts itself).
            let tokens = (0..<t).map { _ in Int(g.next() % UInt64(vocab)) }
            var targets = [Int32](repeating: 0, count: t)
            for r in 0..<t { targets[r] = Int32(tokens[r % s == 0 ? r : r - 1]) }
            for r in 0..<t {
                for c in 0..<d { model.x.base[r * d + c] = embedding[tokens[r] * d + c] + position[(r % s) * d + c] }
            }
            model.forward()
            projection.withUnsafeBufferPointer { w in
                logits.withUnsafeMutableBufferPointer { l in
                    engine.multiply(
                        transA: false, transB: false, m: t, n: vocab, k: d, alpha: 1, a: model.output.base, lda: d,
                        b: w.baseAddress!, ldb: vocab, beta: 0, c: l.baseAddress!, ldc: vocab)
                }
            }
            let loss = logits.withUnsafeMutableBufferPointer { l in
                targets.withUnsafeBufferPointer { tg in
                    rowLoss.withUnsafeMutableBufferPointer { rl in
                        SoftmaxCrossEntropy.forwardBackward(
                            logits: l.baseAddress!, targets: tg.baseAddress!, rows: t,
                            vocabulary: vocab, rowLoss: rl.baseAddress!, threads: 2)
                    }
                }
            }
            if step == 1 { first = loss }
            last = loss
            // dProjection = outᵀ·dlogits; dout = dlogits·projectionᵀ.
            logits.withUnsafeBufferPointer { l in
                dProjection.withUnsafeMutableBufferPointer { dp in
                    engine.multiply(
                        transA: true, transB: false, m: d, n: vocab, k: t, alpha: 1, a: model.output.base, lda: d,
                        b: l.baseAddress!, ldb: vocab, beta: 0, c: dp.baseAddress!, ldc: vocab)
                }
                projection.withUnsafeBufferPointer { w in
                    engine.multiply(
                        transA: false, transB: true, m: t, n: d, k: vocab, alpha: 1, a: l.baseAddress!, lda: vocab,
                        b: w.baseAddress!, ldb: vocab, beta: 0, c: model.outputGradient.base, ldc: d)
                }
            }
            model.backward()
            model.update()
            for i in dEmbedding.indices { dEmbedding[i] = 0 }
            for r in 0..<t { for c in 0..<d { dEmbedding[tokens[r] * d + c] += model.inputGradient.base[r * d + c] } }
            adamw(&embedding, dEmbedding, &me, &ve, step: step)
            adamw(&projection, dProjection, &mp, &vp, step: step)
        }
        #expect(first > 2, "initial loss \(first) should be near ln 16 ≈ 2.77")
        #expect(last <= 0.5 * first, "cross-entropy \(first) -> \(last)")
    }

    /// AdamW with a larger learning rate (1e-2) than the benchmark's, for the small test task.
    func adamw(_ w: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], step: Int) {
        let c1 = 1 - pow(0.9, Float(step)), c2 = 1 - pow(0.999, Float(step))
        for i in w.indices {
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
            w[i] -= 0.01 * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
        }
    }
}
