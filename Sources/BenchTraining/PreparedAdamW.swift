import BenchCore
import BenchRuntime
import Foundation

/// `adamw_update`: w = uniform(`w`), g = uniform(`g`), m = v = 0; each call is one more step.
final class PreparedAdamW<T: NativeScalar>: PreparedCase {
    let count: Int, threads: Int, kernelCase: KernelCase
    let w: AlignedBuffer<T>, g: AlignedBuffer<T>, m: AlignedBuffer<T>, v: AlignedBuffer<T>
    var steps = 0

    init(_ c: KernelCase, threads: Int) {
        (kernelCase, count, self.threads) = (c, c.integer("N") ?? 0, threads)
        w = AlignedBuffer(count: count, repeating: 0)
        w.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "w"))
        g = AlignedBuffer(count: count, repeating: 0)
        g.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "g"))
        (m, v) = (AlignedBuffer(count: count, repeating: 0), AlignedBuffer(count: count, repeating: 0))
    }

    func run() throws {
        steps += 1
        OptimizerUpdate.adamw(w: w.base, g: g.base, m: m.base, v: v.base, count: count, step: steps, threads: threads)
    }

    /// After the first step, ``check(_:entries:values:calls:)``; later, finite sampled weights.
    func verify() -> Verification {
        guard steps == 1 else {
            return FiniteCheck.verify(loss: 0, step: steps, names: ["w"]) { _ in w.pointer }
        }
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: steps)
    }
}

extension PreparedAdamW: OutputReading {
    /// `w` (N).
    func value(at e: OutputEntry) -> Double { e.tensor == "w" ? Double(w.base[e.column]) : .nan }
}

extension PreparedAdamW: KernelReference {
    static var kernel: String { "adamw_update" }

    /// The first 4096 entries of `w` (a vector of N).
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        (0..<min(c.integer("N") ?? 0, 4096)).map { OutputEntry("w", 0, $0) }
    }

    /// After the first step, the closed form `w₁ = w₀ − lr·(g/(|g| + ε) + λ·w₀)` (m̂ = g,
    /// v̂ = g² at t = 1), bound `16·u·(|w₀| + lr)`; after later steps, finite values.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        guard calls == 1 else { return .finite(entries, values: values, calls: calls) }
        let n = c.integer("N") ?? 0
        let last = (entries.map(\.column).max() ?? -1) + 1
        guard last <= n, entries.allSatisfy({ $0.tensor == "w" && $0.row == 0 && $0.column >= 0 }) else {
            return .failed(
                "no reference for \(entries.first { $0.tensor != "w" || $0.row != 0 || $0.column >= n } ?? entries[0])")
        }
        let w0 = SplitMix64.uniforms(c, "w", count: last, as: T.self),
            g0 = SplitMix64.uniforms(c, "g", count: last, as: T.self)
        let u = T.dtype.unitRoundoff ?? 1e-16
        let lr = OptimizerUpdate.adamLearningRate, decay = OptimizerUpdate.weightDecay
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            let (wi, gi) = (w0[e.column], g0[e.column])
            let ref = wi - lr * (gi / (abs(gi) + OptimizerUpdate.epsilon) + decay * wi)
            tally.check("\(e)", got: got, reference: ref, bound: 16 * u * (abs(wi) + lr))
        }
        return tally.verification("first step vs the closed form w0 - lr*(g/(|g|+eps) + wd*w0), |err| <= 16u(|w0|+lr)")
    }
}
