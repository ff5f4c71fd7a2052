import BenchCore

/// The software that ran a published figure (or that a modeled row stands for): the same chip
/// reaches different fractions of its peak under cuBLAS, a hand-tuned kernel or PyTorch eager.
/// Every validation point names one; every device has a default (`default_stack` in the
/// catalog: what a typical user of that device gets), and `--assume [PROFILE:]stack=NAME`
/// selects another (docs/models.md#stacks).
public enum Stack {
    /// The stacks bench knows, with what each stands for.
    public static let known: [(name: String, meaning: String)] = [
        ("cublas", "cuBLAS / cuBLASLt, directly or through torch.matmul and frameworks"),
        ("cutlass", "hand-tuned CUTLASS-class GPU kernels: CUTLASS, Triton, ThunderKittens, DeepGEMM, TileLang"),
        ("nki", "hand-tuned NKI kernels on NeuronCores"),
        ("neuronx-cc", "the Neuron compiler's graph (torch-neuronx, NxD Training, optimum-neuron)"),
        ("onednn-acl", "oneDNN with the Arm Compute Library (PyTorch's CPU path on Graviton)"),
        ("kleidiai", "Arm KleidiAI micro-kernels"),
        ("pytorch-eager", "PyTorch eager: one framework call per op, its dispatch included"),
        ("xla", "JAX or torch-xla compiled graphs"),
        ("openblas", "OpenBLAS"),
    ]

    public static var names: [String] { known.map(\.name) }
}

/// The regime of a case or a published point: where a model's error is alike. The intervals
/// on modeled rows are taken per device class and regime (docs/models.md#intervals).
public enum ModelRegime: String, Sendable, Codable, CaseIterable, Comparable {
    /// A GEMM with every dimension above 1024 and M, N above 256.
    case large
    /// A GEMM with min(M, N) ≤ 256 (and a dimension above 1024).
    case skinny
    /// A GEMM with K ≤ 1024 (and M, N above 256, one dimension above 1024).
    case shortK = "short-k"
    /// Every dimension ≤ 1024: launch-bound or close to it; also a single element-wise kernel.
    case small
    /// A whole training step (or several cases run one after the other) on one device.
    case step
    /// A training step or job spread over several devices (communication included).
    case multiDevice = "multi-device"

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The regime of one case on one device.
    public static func of(_ c: KernelCase) -> ModelRegime {
        guard c.kernel == "gemm", let m = c.integer("M"), let n = c.integer("N"), let k = c.integer("K") else {
            let steps = ["mlp_step", "transformer_block_step", "llama_block_step"]
            return steps.contains(c.kernel) ? .step : .small
        }
        if max(m, n, k) <= 1024 { return .small }
        if min(m, n) <= 256 { return .skinny }
        if k <= 1024 { return .shortK }
        return .large
    }

    /// The regime of a validation point: multi-device when its layout spans devices, a step
    /// when it is more than one case, else its one case's.
    public static func of(_ p: ValidationPoint) -> ModelRegime {
        if let l = p.layout, l.devices > 1 { return .multiDevice }
        let cases = p.cases.compactMap { try? KernelCase(parsing: $0.case) }
        // Several GEMMs one after the other (a framework MLP) take the regime of the largest.
        if cases.allSatisfy({ $0.kernel == "gemm" }), p.cases.allSatisfy({ $0.count == 1 }),
            let largest = cases.max(by: { flops($0) < flops($1) })
        {
            return of(largest)
        }
        return cases.count > 1 || p.cases.contains(where: { $0.count > 1 }) ? .step : cases.first.map(of) ?? .small
    }
}

private func flops(_ c: KernelCase) -> Double {
    Double(c.integer("M") ?? 0) * Double(c.integer("N") ?? 0) * Double(c.integer("K") ?? 0)
}

/// The class of devices whose errors are pooled for an interval: GPUs, Trainium chips, CPUs.
public enum DeviceClass: String, Sendable, Codable, CaseIterable {
    case gpu, trainium, cpu

    public static func of(kind: String) -> DeviceClass {
        switch kind {
        case "aws_cpu", "x86_cpu": .cpu
        case "aws_neuron": .trainium
        default: .gpu
        }
    }
}
