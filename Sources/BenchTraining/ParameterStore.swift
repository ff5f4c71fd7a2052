import BenchCore
import BenchRuntime

/// Every parameter of a model in four contiguous buffers: values, gradients and the optimizer's
/// two states (SGD's momentum; AdamW's moments). Each tensor is a slice starting on a 64-byte
/// boundary; the few values between slices stay zero, and zero stays zero under both updates.
/// So the optimizer updates the whole model in one pass over the four buffers (``update(step:threads:)``),
/// rather than one pass, and one dispatch to the threads, per tensor.
final class ParameterStore<T: NativeScalar> {
    let optimizer: Optimizer
    let value: AlignedBuffer<T>, gradient: AlignedBuffer<T>, first: AlignedBuffer<T>, second: AlignedBuffer<T>
    /// The tensors, in the order of the counts given at `init`.
    let tensors: [ParameterTensor<T>]

    /// Tensors of `counts` values each, every value and state zero.
    init(counts: [Int], optimizer: Optimizer) {
        self.optimizer = optimizer
        let align = max(1, 64 / MemoryLayout<T>.stride)
        var offsets: [Int] = []
        var total = 0
        for n in counts {
            offsets.append(total)
            total += (n + align - 1) / align * align
        }
        value = AlignedBuffer(count: total, repeating: 0)
        gradient = AlignedBuffer(count: total, repeating: 0)
        first = AlignedBuffer(count: total, repeating: 0)
        second = AlignedBuffer(count: optimizer == .adamw ? total : 0, repeating: 0)
        let (v, g) = (value.base, gradient.base)
        tensors = zip(offsets, counts).map { o, n in
            ParameterTensor(value: TensorSlice(base: v + o, count: n), gradient: TensorSlice(base: g + o, count: n))
        }
    }

    /// The optimizer update of every tensor at step `step` (1-based), in one pass.
    func update(step: Int, threads: Int) {
        let n = value.count
        switch optimizer {
        case .sgd:
            OptimizerUpdate.sgd(w: value.base, g: gradient.base, v: first.base, count: n, threads: threads)
        case .adamw:
            OptimizerUpdate.adamw(
                w: value.base, g: gradient.base, m: first.base, v: second.base, count: n, step: step, threads: threads)
        }
    }
}

/// One parameter tensor: its value and gradient, slices of a ``ParameterStore`` (which must
/// outlive it and holds the optimizer's state).
struct ParameterTensor<T: NativeScalar> {
    let value: TensorSlice<T>, gradient: TensorSlice<T>
}

/// `count` values at `base`, with the accessors of an ``AlignedBuffer``.
struct TensorSlice<T> {
    let base: UnsafeMutablePointer<T>, count: Int
    var pointer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: base, count: count) }
}
