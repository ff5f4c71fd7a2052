import BenchCore
import BenchTraining
import Testing

/// The Llama-style op kernels' gradients against central finite differences, in fp64, through
/// the code the backends run (``LlamaOps``). The loss is `L = Σ y·w` for fixed weights `w`,
/// so `∂L/∂input` is the kernel's backward from `dy = w`. With ε = 1e-6 the truncation error
/// is O(ε²) ≈ 1e-12 and round-off O(u·|L|/ε) ≈ 1e-9; a wrong gradient (a missing σ′ term,
/// the rotation's sign) errs by far more than the 1e-6 relative bound.
@Suite("Llama-style ops: gradients")
struct LlamaOpTests {
    static func values(_ n: Int, seed: Int) -> [Double] {
        (0..<n).map { i in Double((i * 7919 + seed * 104_729) % 2001) / 1000 - 1 }
    }

    func expectClose(_ analytic: Double, _ numeric: Double, _ label: String) {
        #expect(abs(analytic - numeric) <= 1e-6 * max(abs(analytic), 1e-2), "\(label): \(analytic) vs \(numeric)")
    }

    func central(_ loss: ([Double]) -> Double, _ x: [Double], _ i: Int, eps: Double = 1e-6) -> Double {
        var plus = x, minus = x
        plus[i] += eps
        minus[i] -= eps
        return (loss(plus) - loss(minus)) / (2 * eps)
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("RMSNorm: dx and dγ match finite differences")
    func rmsNorm() {
        let (rows, cols) = (3, 10)
        let x = Self.values(rows * cols, seed: 1), gamma = Self.values(cols, seed: 2),
            w = Self.values(rows * cols, seed: 3)
        let base = LlamaOps.rmsNorm(x: x, gamma: gamma, dy: w, rows: rows, cols: cols)
        for i in [0, 7, 13, 29] {
            let numeric = central(
                { dot(LlamaOps.rmsNorm(x: $0, gamma: gamma, dy: w, rows: rows, cols: cols).y, w) }, x, i)
            expectClose(base.dx[i], numeric, "dx[\(i)]")
        }
        for j in [0, 4, 9] {
            let numeric = central(
                { dot(LlamaOps.rmsNorm(x: x, gamma: $0, dy: w, rows: rows, cols: cols).y, w) }, gamma, j)
            expectClose(base.dGamma[j], numeric, "dgamma[\(j)]")
        }
    }

    @Test("SwiGLU: da and db match finite differences, on both sides of 0 and past the 16-lane path")
    func swiGLU() {
        let n = 37
        let a = Self.values(n, seed: 4).map { $0 * 6 }, b = Self.values(n, seed: 5), w = Self.values(n, seed: 6)
        let base = LlamaOps.swiGLU(a: a, b: b, dy: w)
        for i in [0, 3, 16, 20, 36] {
            expectClose(base.da[i], central({ dot(LlamaOps.swiGLU(a: $0, b: b, dy: w).y, w) }, a, i), "da[\(i)]")
            expectClose(base.db[i], central({ dot(LlamaOps.swiGLU(a: a, b: $0, dy: w).y, w) }, b, i), "db[\(i)]")
        }
    }

    @Test("RoPE: dx matches finite differences; the rotation keeps each pair's norm; position 0 is the identity")
    func rope() {
        let (batch, seq, heads, hd) = (2, 5, 2, 6)
        let n = batch * seq * heads * hd
        let x = Self.values(n, seed: 7), w = Self.values(n, seed: 8)
        let base = LlamaOps.rope(x: x, dy: w, batch: batch, seq: seq, heads: heads, headDim: hd)
        for i in [0, 5, 17, 40, 77, n - 1] {
            let numeric = central(
                { dot(LlamaOps.rope(x: $0, dy: w, batch: batch, seq: seq, heads: heads, headDim: hd).y, w) }, x, i)
            expectClose(base.dx[i], numeric, "dx[\(i)]")
        }
        // Token 0 of each sequence is at position 0: no rotation.
        #expect(Array(base.y[0..<heads * hd]) == Array(x[0..<heads * hd]))
        // Token 3 (position 3), head 1, pair (1, 4): the norm is kept.
        let at = 3 * heads * hd + hd
        let before = x[at + 1] * x[at + 1] + x[at + 4] * x[at + 4]
        let after = base.y[at + 1] * base.y[at + 1] + base.y[at + 4] * base.y[at + 4]
        #expect(abs(before - after) < 1e-12)
    }

    @Test(
        "bad Llama shapes are refused with the reason",
        arguments: [
            ("rope_fwd_bwd/fp32/B=1,S=8,D=12,heads=5", "heads=5 does not divide D=12"),
            ("rope_fwd_bwd/fp32/B=1,S=8,D=15,heads=5", "the head dimension D/heads = 3 is odd"),
            ("attention_fwd_bwd/fp32/B=1,S=8,D=12,heads=5", "heads=5 does not divide D=12"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=3", "kv_heads=3 does not divide heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=8", "kv_heads=8 is above heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=12,heads=4,kv_heads=2", "the head dimension D/heads = 3 is odd"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=3,kv_heads=1", "heads=3 does not divide D=16"),
        ])
    func badShapes(id: String, reason: String) {
        #expect(throws: CaseError.self) { try KernelRegistry.builtIn.validatedCase(id) }
        do {
            _ = try KernelRegistry.builtIn.validatedCase(id)
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}

/// Grouped-query attention with RoPE: every input gradient against central differences of
/// `Σ out·w`, through both engines (the group's dK and dV sum over its query heads).
@Suite("Llama-style ops: grouped-query attention gradients")
struct GQAAttentionGradientTests {
    @Test("dQ, dK and dV match finite differences; kv_heads = heads is multi-head attention", arguments: [1, 2, 4])
    func gradients(kvHeads: Int) throws {
        let (batch, seq, model, heads) = (2, 5, 16, 4)
        let width = model + 2 * kvHeads * (model / heads)
        let qkv = LlamaOpTests.values(batch * seq * width, seed: 11),
            w = LlamaOpTests.values(batch * seq * model, seed: 12)
        for engine in MLPStepTests.engines64().map(\.1) {
            func loss(_ x: [Double]) throws -> Double {
                let out = try LlamaOps.gqaAttention(
                    qkv: x, dout: w, batch: batch, seq: seq, model: model, heads: heads, kvHeads: kvHeads,
                    engine: engine
                ).out
                return zip(out, w).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let base = try LlamaOps.gqaAttention(
                qkv: qkv, dout: w, batch: batch, seq: seq, model: model, heads: heads, kvHeads: kvHeads, engine: engine)
            // Entries in Q, K and V, in both sequences, at the first and last positions.
            for i in [
                0, 3, model + 1, model + kvHeads * 4 - 1, width - 1, 4 * width + 2, 9 * width + model + 2,
                9 * width + width - 2,
            ] {
                let eps = 1e-6
                var plus = qkv, minus = qkv
                plus[i] += eps
                minus[i] -= eps
                let numeric = (try loss(plus) - loss(minus)) / (2 * eps)
                #expect(
                    abs(base.dqkv[i] - numeric) <= 1e-6 * max(abs(base.dqkv[i]), 1e-2),
                    "kv_heads=\(kvHeads) dqkv[\(i)]: \(base.dqkv[i]) vs \(numeric)")
            }
        }
    }
}
