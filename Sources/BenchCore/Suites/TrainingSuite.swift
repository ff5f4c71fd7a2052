/// Training steps (forward + backward + optimizer) at CPU-sized model shapes.
///
/// - `mlp_step` fp32: B=512, D=1024, H=4096 with SGD and AdamW; and the GPT-2-small
///   MLP (D=768, H=3072) at 2048 tokens with AdamW.
/// - `--quick`: `mlp_step` at B=16, D=32, H=64 with both optimizers.
///
/// The transformer block and the per-op microkernels are not in this build yet.
public struct TrainingSuite: Suite {
    public init() {}
    public var name: String { "training" }
    public var summary: String { "training steps: 2-layer MLP forward + backward + SGD/AdamW (fp32)" }

    public func cases(quick: Bool) -> [KernelCase] {
        if quick {
            return Optimizer.allCases.map { MLPStepSpec.kernelCase(.fp32, b: 16, d: 32, h: 64, optimizer: $0) }
        }
        return Optimizer.allCases.map { MLPStepSpec.kernelCase(.fp32, b: 512, d: 1024, h: 4096, optimizer: $0) }
            + [MLPStepSpec.kernelCase(.fp32, b: 2048, d: 768, h: 3072, optimizer: .adamw)]
    }
}
