import BenchBLAS
import BenchCore
import BenchSwiftKernels
import BenchTraining
import Testing

@Suite("mlp_step correctness")
struct MLPStepTests {
    static func engines64() -> [(String, any MatrixEngine<Double>)] {
        [("cpu-blas", BLASEngine<Double>(threads: 2)), ("cpu-swift", GEMMKernel<Double>(threads: 2))]
    }

    /// Central differences in fp64 with ε = 1e-5: truncation error O(ε²·|f‴|) ≈ 1e-10 and
    /// round-off O(k·u·|L|/ε) ≈ 1e-10 (the loss is ≈ 0.3 and a GEMM's summation order may
    /// change with the perturbation), so analytic and numeric gradients must agree within
    /// 1e-6 · max(|g|, 1e-2), i.e. 1e-8 absolute for small gradients. A wrong gradient
    /// (a missing GELU′ factor, a transposed matmul) errs by more than 1e-2 relative.
    @Test(
        "every gradient matches central finite differences (fp64)", arguments: ["cpu-blas", "cpu-swift"],
        Optimizer.allCases)
    func finiteDifferences(engineName: String, optimizer: Optimizer) throws {
        let engine = try #require(Self.engines64().first { $0.0 == engineName }?.1)
        let model = MLPStep<Double>(
            MLPStepSpec.kernelCase(.fp64, b: 4, d: 8, h: 16, optimizer: optimizer), engine: engine)
        // Move the biases off zero so their gradients and the GELU curvature are exercised.
        for name in ["b1", "b2"] {
            let p = try #require(model.parameter(name))
            for i in p.value.indices { p.value[i] = 0.1 * Double(i % 5) - 0.2 }
        }
        model.forwardBackward()
        // Copy every analytic gradient at the base point before any perturbation.
        var analyticByName: [String: [Double]] = [:]
        for name in ["W1", "b1", "W2", "b2"] {
            analyticByName[name] = Array(try #require(model.parameter(name)).gradient)
        }
        var checked = 0
        for name in ["W1", "b1", "W2", "b2"] {
            let p = try #require(model.parameter(name))
            let analytic = try #require(analyticByName[name])
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 16)) {
                let numeric = centralDifference(model) { p.value[i] += $0 }
                let err = abs(analytic[i] - numeric) / max(abs(analytic[i]), 1e-2)
                #expect(err < 1e-6, "\(name)[\(i)] analytic \(analytic[i]) numeric \(numeric)")
                checked += 1
            }
        }
        model.forwardBackward()
        let dx = Array(model.inputGradient.pointer)
        for i in [0, 5, 17, 31] {
            let numeric = centralDifference(model) { model.x.base[i] += $0 }
            #expect(abs(dx[i] - numeric) / max(abs(dx[i]), 1e-2) < 1e-6, "dx[\(i)]")
        }
        #expect(checked > 40)
    }

    func centralDifference(_ model: MLPStep<Double>, eps: Double = 1e-5, perturb: (Double) -> Void) -> Double {
        perturb(eps)
        model.forwardBackward()
        let plus = model.loss
        perturb(-2 * eps)
        model.forwardBackward()
        let minus = model.loss
        perturb(eps)
        return (plus - minus) / (2 * eps)
    }

    /// The two backends run different GEMMs (blocking, summation order), so fp32 results
    /// differ by round-off: 1e-4 relative (≈ 1000 u) after 3 steps is far tighter than any
    /// wrong index or missing term, which errs by O(1).
    @Test("cpu-blas and cpu-swift agree on fp32 loss, gradients and updated parameters", arguments: Optimizer.allCases)
    func backendsAgree(optimizer: Optimizer) throws {
        let kc = MLPStepSpec.kernelCase(.fp32, b: 24, d: 40, h: 72, optimizer: optimizer)
        let a = MLPStep<Float>(kc, engine: BLASEngine<Float>(threads: 2))
        let b = MLPStep<Float>(kc, engine: GEMMKernel<Float>(threads: 2))
        for _ in 0..<3 {
            a.step()
            b.step()
            #expect(abs(a.loss - b.loss) <= 1e-5 * a.loss)
        }
        a.forwardBackward()
        b.forwardBackward()
        for name in ["W1", "b1", "W2", "b2"] {
            let pa = try #require(a.parameter(name)), pb = try #require(b.parameter(name))
            let gScale = pa.gradient.map { abs($0) }.max() ?? 1
            for i in pa.value.indices {
                #expect(abs(pa.value[i] - pb.value[i]) <= 1e-4 * max(abs(pa.value[i]), 1e-2), "\(name)[\(i)] value")
                #expect(abs(pa.gradient[i] - pb.gradient[i]) <= 1e-4 * gScale, "\(name)[\(i)] gradient")
            }
        }
    }

    /// A batch of 32 inputs of a fixed random teacher MLP (the task the issue asks for). With the
    /// suite's fixed hyper-parameters AdamW (lr 1e-3) must cut the loss ≥ 10× in 200 steps; SGD
    /// (lr 0.01 on a mean-squared loss, about 5× slower to converge here) must make steady
    /// progress (≥ 1.5×).
    @Test(
        "200 steps on a teacher-network regression task cut the loss (AdamW at least 10x)",
        arguments: ["cpu-blas", "cpu-swift"], Optimizer.allCases)
    func trains(engineName: String, optimizer: Optimizer) throws {
        let engine: any MatrixEngine<Float> =
            engineName == "cpu-blas" ? BLASEngine<Float>(threads: 2) : GEMMKernel<Float>(threads: 2)
        let (b, d, h) = (32, 16, 32)
        let model = MLPStep<Float>(
            MLPStepSpec.kernelCase(.fp32, b: b, d: d, h: h, optimizer: optimizer), engine: engine)
        // Targets from a fixed random teacher MLP of the same shape: y = gelu(x·T1)·T2.
        var g = SplitMix64(seed: 7)
        let t1 = (0..<(d * h)).map { _ in g.nextUniform() * 2 / Double(d).squareRoot() }
        let t2 = (0..<(h * d)).map { _ in g.nextUniform() * 2 / Double(h).squareRoot() }
        for r in 0..<b {
            var act = [Double](repeating: 0, count: h)
            for j in 0..<h {
                var s = 0.0
                for i in 0..<d { s += Double(model.x.base[r * d + i]) * t1[i * h + j] }
                act[j] = 0.5 * s * (1 + tanh(0.7978845608 * (s + 0.044715 * s * s * s)))
            }
            for k in 0..<d {
                var s = 0.0
                for j in 0..<h { s += act[j] * t2[j * d + k] }
                model.y.base[r * d + k] = Float(s)
            }
        }
        let first = model.step()
        var last = first
        for _ in 1..<200 { last = model.step() }
        #expect(last.isFinite)
        let required = optimizer == .adamw ? 10.0 : 1.5
        #expect(last <= first / required, "loss \(first) -> \(last)")
    }
}

import Foundation
