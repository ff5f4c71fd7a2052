import BenchBLAS
import BenchCore
import BenchSwiftKernels
import BenchTraining
import Foundation
import Testing

@Suite("llama_block_step correctness")
struct LlamaBlockTests {
    /// Central differences in fp64 (ε = 1e-5) of the MSE loss with respect to sampled entries
    /// of every parameter and of x, with 2 query heads per KV head so the group sums of dK and
    /// dV, RoPE's backward and SwiGLU's are all exercised. As for the GPT-2 block: agreement
    /// within 1e-6·max(|g|, 1e-2); a wrong backward errs by > 1e-2.
    @Test("every gradient matches central finite differences (fp64)", arguments: ["cpu-blas", "cpu-swift"])
    func finiteDifferences(engineName: String) throws {
        let kc = LlamaBlockSpec.kernelCase(
            .fp64, b: 2, s: 5, d: 16, heads: 4, kvHeads: 2, hidden: 24, optimizer: .adamw)
        let model = LlamaBlockStep<Double>(kc, engine: TransformerBlockTests.engine64(engineName))
        // Move γ off its initial 1 so every term of the RMSNorm backward is exercised.
        var g = SplitMix64(seed: 5)
        for name in ["rms1.gamma", "rms2.gamma"] {
            let p = try #require(model.parameter(name))
            for i in p.value.indices { p.value[i] += 0.3 * g.nextUniform() }
        }
        let (t, d) = (model.shape.tokens, model.shape.model)
        func lossAndGradients() -> Double {
            model.forward()
            let n = Double(t * d)
            var loss = 0.0
            for i in 0..<(t * d) {
                let diff = model.output.base[i] - model.y.base[i]
                loss += diff * diff / n
                model.outputGradient.base[i] = 2 * diff / n
            }
            model.backward()
            return loss
        }
        _ = lossAndGradients()
        var analytic: [String: [Double]] = [:]
        for name in LlamaBlockStep<Double>.parameterNames {
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
        for name in LlamaBlockStep<Double>.parameterNames {
            let p = try #require(model.parameter(name))
            let a = try #require(analytic[name])
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 9)) {
                let n = numeric { p.value[i] += $0 }
                #expect(abs(a[i] - n) <= 1e-6 * max(abs(a[i]), 1e-2), "\(name)[\(i)] analytic \(a[i]) numeric \(n)")
                checked += 1
            }
        }
        for i in [0, 17, 50, 95, 159] {
            let n = numeric { model.x.base[i] += $0 }
            #expect(abs(dx[i] - n) <= 1e-6 * max(abs(dx[i]), 1e-2), "dx[\(i)] analytic \(dx[i]) numeric \(n)")
        }
        #expect(checked >= 60)
    }

    /// fp32 round-off between the two engines' GEMM blockings, after 3 SGD steps.
    @Test("cpu-blas and cpu-swift agree on fp32 loss, gradients and updated parameters")
    func backendsAgree() throws {
        let kc = LlamaBlockSpec.kernelCase(.fp32, b: 2, s: 24, d: 64, heads: 4, kvHeads: 1, hidden: 96, optimizer: .sgd)
        let a = LlamaBlockStep<Float>(kc, engine: BLASEngine<Float>(threads: 2))
        let b = LlamaBlockStep<Float>(kc, engine: GEMMKernel<Float>(threads: 2))
        for _ in 0..<3 {
            a.step()
            b.step()
            #expect(abs(a.loss - b.loss) <= 1e-5 * a.loss)
        }
        for name in LlamaBlockStep<Float>.parameterNames {
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

    @Test("the first forward pass passes its fp64 reference; a corrupted output fails it")
    func verification() throws {
        let kc = try KernelRegistry.builtIn.validatedCase(
            "llama_block_step/fp32/B=2,S=40,D=64,heads=4,kv_heads=2,H=160,opt=adamw")
        let prepared = PreparedLlamaBlock<Float>(kc, engine: GEMMKernel<Float>(threads: 2))
        try prepared.run()
        let v = prepared.verify()
        #expect(v.passed, "\(v.detail)")
        #expect(v.checkedEntries == 5 * 64)
        prepared.model.output.base[(40 + 36) * 64 + 5] += 0.05
        #expect(!prepared.verify().passed)
        try prepared.run()
        #expect(prepared.verify().passed, "later steps: the loss and parameters are finite")
    }

    @Test(
        "bad shapes are refused naming the problem",
        arguments: [
            ("B=1,S=8,D=30,heads=4,kv_heads=2,H=8,opt=adamw", "heads=4 does not divide D=30"),
            ("B=1,S=8,D=32,heads=4,kv_heads=3,H=8,opt=adamw", "kv_heads=3 does not divide heads=4"),
            ("B=1,S=8,D=32,heads=4,kv_heads=8,H=8,opt=adamw", "kv_heads=8 is above heads=4"),
            ("B=1,S=8,D=12,heads=4,kv_heads=2,H=8,opt=adamw", "the head dimension D/heads = 3 is odd"),
            ("B=1,S=8192,D=32,heads=4,kv_heads=2,H=8,opt=adamw", "S=8192"),
            ("B=1,S=8,D=32,heads=4,kv_heads=2,H=8,opt=lion", "unknown optimizer 'lion'"),
        ])
    func badShapes(shape: String, message: String) {
        do {
            _ = try KernelRegistry.builtIn.validatedCase("llama_block_step/fp32/\(shape)")
            Issue.record("accepted \(shape)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
