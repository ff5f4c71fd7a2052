import BenchCore
import BenchSwiftKernels
import BenchTraining
import Foundation
import Testing

/// The training steps keep every parameter in one store and update it in one pass: each tensor
/// must be its own aligned slice, and the one pass must update every value of every tensor as
/// the optimizer's definition says (docs/training-kernels.md).
@Suite("Training steps: one parameter store, one optimizer pass")
struct ParameterStoreTests {
    /// The parameters' value and gradient buffers, by name.
    typealias Lookup = (String) -> (
        value: UnsafeMutableBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>
    )?

    @Test("every tensor is a disjoint, 64-byte aligned slice, and one update moves each of its values")
    func blocks() throws {
        let engine = GEMMKernel<Float>(threads: 2)
        // Shapes whose tensors are not multiples of 16 values, so the slices have gaps between them.
        let gpt = TransformerBlockStep<Float>(
            TransformerBlockSpec.kernelCase(.fp32, b: 1, s: 6, d: 24, heads: 2, optimizer: .adamw), engine: engine)
        try check(
            names: TransformerBlockStep<Float>.parameterNames, lookup: gpt.parameter, optimizer: .adamw,
            pass: {
                gpt.forward(); gpt.backward()
            }, update: gpt.update)
        let llama = LlamaBlockStep<Float>(
            LlamaBlockSpec.kernelCase(.fp32, b: 1, s: 6, d: 24, heads: 4, kvHeads: 2, hidden: 40, optimizer: .adamw),
            engine: engine)
        try check(
            names: LlamaBlockStep<Float>.parameterNames, lookup: llama.parameter, optimizer: .adamw,
            pass: {
                llama.forward(); llama.backward()
            }, update: llama.update)
        let mlp = MLPStep<Float>(MLPStepSpec.kernelCase(.fp32, b: 4, d: 24, h: 40, optimizer: .sgd), engine: engine)
        try check(
            names: ["W1", "b1", "W2", "b2"], lookup: mlp.parameter, optimizer: .sgd, pass: mlp.forwardBackward,
            update: mlp.update)
    }

    /// Checks the slices, then runs the first step's forward and backward, moves every value
    /// (so a value the update skips cannot pass as updated), updates, and compares every value
    /// with the first step of the optimizer from zero state.
    func check(
        names: [String], lookup: Lookup, optimizer: Optimizer, pass: () -> Void, update: () -> Void
    ) throws {
        var ranges: [(String, Range<Int>)] = []
        for name in names {
            let p = try #require(lookup(name), "\(name)")
            let start = Int(bitPattern: p.value.baseAddress)
            #expect(start % 64 == 0, "\(name) starts on a 64-byte boundary")
            #expect(p.value.count == p.gradient.count && p.value.count > 0)
            ranges.append((name, start..<(start + 4 * p.value.count)))
        }
        for (i, a) in ranges.enumerated() {
            for b in ranges[(i + 1)...] { #expect(!a.1.overlaps(b.1), "\(a.0) and \(b.0) overlap") }
        }
        pass()
        var before: [String: (value: [Float], gradient: [Float])] = [:]
        for name in names {
            let p = try #require(lookup(name))
            for i in p.value.indices { p.value[i] += 0.25 }
            for i in p.gradient.indices where p.gradient[i] == 0 { p.gradient[i] = 1e-3 }
            before[name] = (Array(p.value), Array(p.gradient))
        }
        update()
        for name in names {
            let p = try #require(lookup(name)), old = try #require(before[name])
            var worst = 0.0
            for i in p.value.indices {
                let w = Double(old.value[i]), g = Double(old.gradient[i])
                let expected: Double
                switch optimizer {
                case .sgd: expected = w - OptimizerUpdate.sgdLearningRate * g
                case .adamw:
                    let lr = OptimizerUpdate.adamLearningRate
                    expected = w - lr * (g / (abs(g) + OptimizerUpdate.epsilon) + OptimizerUpdate.weightDecay * w)
                }
                worst = max(worst, abs(Double(p.value[i]) - expected) / max(abs(expected), 1e-3))
            }
            #expect(worst < 1e-5, "\(name): every value updated (worst relative error \(worst))")
        }
    }
}
