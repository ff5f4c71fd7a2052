/// GEMM at square sizes and at the shapes of transformer training.
///
/// - Square: fp32 and fp64, `M = N = K` ∈ {256, 512, 1024, 2048, 4096}.
/// - Transformer (fp32, the precision a CPU trains in), `M = tokens` = 1024 and
///   d ∈ {768, 1024, 2048}: the QKV projection (`N = 3d, K = d`), the MLP up
///   projection (`N = 4d, K = d`) and the MLP down projection (`N = d, K = 4d`).
/// - bf16 at the transformer shapes and 4096³, fp8 at 4096³ (the precisions accelerators
///   train in; the CPU backends report them unsupported).
/// - `--quick`: fp32 and fp64 at 64 and 128, one odd-sized case (prime dimensions exercise
///   the kernels' edges), bf16 and fp8 at 128.
/// - `--preset ci`: shapes of 0.1–1.2 GFLOP (≥ 1 ms a call on 2 cores): fp32 512³, fp64 384³, an
///   odd-sized fp32 case, a skinny one, the QKV and MLP-down projections at 256 tokens, and
///   bf16/fp8 at 512³ for the modeled devices.
public struct MatmulSuite: Suite {
    public init() {}
    public var name: String { "matmul" }
    public var summary: String { "GEMM, square 256…4096 (fp32, fp64) and transformer-training shapes (fp32)" }

    /// Tokens per step of the transformer shapes.
    public static let tokens = 1024
    public static let squareSizes = [256, 512, 1024, 2048, 4096]
    public static let modelWidths = [768, 1024, 2048]

    public func cases(_ preset: SuitePreset) -> [KernelCase] {
        if preset == .ci {
            return [
                GEMMSpec.kernelCase(.fp32, m: 512, n: 512, k: 512),
                GEMMSpec.kernelCase(.fp32, m: 409, n: 509, k: 383),
                GEMMSpec.kernelCase(.fp32, m: 64, n: 1024, k: 2048),
                GEMMSpec.kernelCase(.fp32, m: 256, n: 2304, k: 768),
                GEMMSpec.kernelCase(.fp32, m: 256, n: 768, k: 3072),
                GEMMSpec.kernelCase(.fp64, m: 384, n: 384, k: 384),
                GEMMSpec.kernelCase(.bf16, m: 512, n: 512, k: 512),
                GEMMSpec.kernelCase(.fp8, m: 512, n: 512, k: 512),
            ]
        }
        if preset == .quick {
            return [
                GEMMSpec.kernelCase(.fp32, m: 64, n: 64, k: 64),
                GEMMSpec.kernelCase(.fp32, m: 128, n: 128, k: 128),
                GEMMSpec.kernelCase(.fp32, m: 37, n: 101, k: 53),
                GEMMSpec.kernelCase(.fp64, m: 64, n: 64, k: 64),
                GEMMSpec.kernelCase(.fp64, m: 128, n: 128, k: 128),
                GEMMSpec.kernelCase(.bf16, m: 128, n: 128, k: 128),
                GEMMSpec.kernelCase(.fp8, m: 128, n: 128, k: 128),
            ]
        }
        var cases: [KernelCase] = []
        for dtype in [DType.fp32, .fp64] {
            for s in Self.squareSizes { cases.append(GEMMSpec.kernelCase(dtype, m: s, n: s, k: s)) }
        }
        let t = Self.tokens
        for d in Self.modelWidths {
            cases.append(GEMMSpec.kernelCase(.fp32, m: t, n: 3 * d, k: d))
            cases.append(GEMMSpec.kernelCase(.fp32, m: t, n: 4 * d, k: d))
            cases.append(GEMMSpec.kernelCase(.fp32, m: t, n: d, k: 4 * d))
        }
        // The precisions accelerators train in: bf16 for every transformer shape and the
        // largest square, fp8 for the largest square (measured CPU backends report them
        // unsupported; modeled devices run them at their bf16/fp8 peaks).
        for d in Self.modelWidths {
            cases.append(GEMMSpec.kernelCase(.bf16, m: t, n: 3 * d, k: d))
            cases.append(GEMMSpec.kernelCase(.bf16, m: t, n: 4 * d, k: d))
            cases.append(GEMMSpec.kernelCase(.bf16, m: t, n: d, k: 4 * d))
        }
        cases.append(GEMMSpec.kernelCase(.bf16, m: 4096, n: 4096, k: 4096))
        cases.append(GEMMSpec.kernelCase(.fp8, m: 4096, n: 4096, k: 4096))
        return cases
    }
}
