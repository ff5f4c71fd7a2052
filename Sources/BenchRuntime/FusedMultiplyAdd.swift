/// `acc + x·y` lane-wise: a fused multiply-add when the build targets an ISA with
/// FMA (`-DBENCH_FMA` from scripts/build), otherwise multiply-then-add, because
/// without target flags Swift lowers `addingProduct` to a library call per lane.
@inlinable @inline(__always)
public func fma<V: SIMD>(_ acc: V, _ x: V, _ y: V) -> V where V.Scalar: FloatingPoint {
    #if BENCH_FMA
        return acc.addingProduct(x, y)
    #else
        return acc + x * y
    #endif
}

/// Whether this build's kernels use fused multiply-add.
public let nativeKernelsUseFMA: Bool = {
    #if BENCH_FMA
        return true
    #else
        return false
    #endif
}()
