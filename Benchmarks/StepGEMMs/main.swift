// Times each matmul of a training step, shape and transposes as the step calls them, on the
// native kernels and on OpenBLAS, interleaved call by call; prints the median GFLOP/s of each
// and the ratio. Shows which of a step's matmuls hold cpu-swift back. Run: scripts/perf-step-gemms.
// Usage: bench-step-gemms [THREADS] [REPEATS]
import BenchBLAS
import BenchCore
import BenchRuntime
import BenchSwiftKernels
import BenchTraining
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let threads = arguments.first ?? ProcessInfo.processInfo.activeProcessorCount
let repeats = arguments.dropFirst().first ?? 15

struct Shape { let label: String, transA: Bool, transB: Bool, m: Int, n: Int, k: Int }
// mlp_step B=512, D=1024, H=4096 (MLPStep.forwardBackward), then square products.
let shapes = [
    Shape(label: "mlp h = x·W1", transA: false, transB: false, m: 512, n: 4096, k: 1024),
    Shape(label: "mlp out = a·W2", transA: false, transB: false, m: 512, n: 1024, k: 4096),
    Shape(label: "mlp dW2 = aᵀ·dout", transA: true, transB: false, m: 4096, n: 1024, k: 512),
    Shape(label: "mlp da = dout·W2ᵀ", transA: false, transB: true, m: 512, n: 4096, k: 1024),
    Shape(label: "mlp dW1 = xᵀ·dh", transA: true, transB: false, m: 1024, n: 4096, k: 512),
    Shape(label: "mlp dx = dh·W1ᵀ", transA: false, transB: true, m: 512, n: 1024, k: 4096),
    Shape(label: "square N=1024", transA: false, transB: false, m: 1024, n: 1024, k: 1024),
    Shape(label: "square N=2048", transA: false, transB: false, m: 2048, n: 2048, k: 2048),
]

let engines: [(String, any MatrixEngine<Float>)] = [
    ("cpu-blas", BLASEngine<Float>(threads: threads)), ("cpu-swift", GEMMKernel<Float>(threads: threads)),
]
print("| matmul | op(A)·op(B) | m×n×k | cpu-blas GFLOP/s | cpu-swift GFLOP/s | swift/blas |")
print("|---|---|---|---|---|---|")
var totals = [Double](repeating: 0, count: engines.count)
for s in shapes {
    let a = AlignedBuffer<Float>(count: s.m * s.k, repeating: 0),
        b = AlignedBuffer<Float>(count: s.k * s.n, repeating: 0)
    let c = AlignedBuffer<Float>(count: s.m * s.n, repeating: 0)
    a.pointer.fillUniform(seed: 1)
    b.pointer.fillUniform(seed: 2)
    let (lda, ldb) = (s.transA ? s.m : s.k, s.transB ? s.k : s.n)
    var seconds = [[Double]](repeating: [], count: engines.count)
    for r in 0..<(repeats + 2) {
        for (e, (_, engine)) in engines.enumerated() {
            let start = ContinuousClock.now
            engine.multiply(
                transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a.base, lda: lda,
                b: b.base, ldb: ldb, beta: 0, c: c.base, ldc: s.n)
            let d = ContinuousClock.now - start
            if r >= 2 { seconds[e].append(Double(d.components.attoseconds) / 1e18 + Double(d.components.seconds)) }
        }
    }
    let flops = 2 * Double(s.m) * Double(s.n) * Double(s.k)
    let medians = seconds.map { $0.sorted()[$0.count / 2] }
    if !s.label.hasPrefix("square") { for e in totals.indices { totals[e] += medians[e] } }
    let ops = "\(s.transA ? "Aᵀ" : "A")·\(s.transB ? "Bᵀ" : "B")"
    print(
        "| \(s.label) | \(ops) | \(s.m)×\(s.n)×\(s.k) | "
            + String(
                format: "%.1f | %.1f | %.3f |", flops / medians[0] / 1e9, flops / medians[1] / 1e9,
                medians[0] / medians[1]))
}
print(
    String(
        format: "mlp_step's six matmuls: cpu-blas %.1f ms, cpu-swift %.1f ms, swift/blas speed %.3f", totals[0] * 1e3,
        totals[1] * 1e3, totals[0] / totals[1]))
