
/// Splits `0..<count` into `threads` contiguous ranges and runs `body` on each,
/// on the calling thread when `threads` is 1 (or the work is tiny).
///
/// Uses the persistent ``WorkerPool``: no thread is created and nothing is
/// allocated per call. `body` must only write disjoint data per range.
@inline(__always)
public func parallelRanges(_ count: Int, threads: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = max(1, min(threads, count / max(1, minimumPerThread)))
    if workers == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    WorkerPool.shared.run(participants: workers) { t in
        let lo = count * t / workers, hi = count * (t + 1) / workers
        if lo < hi { body(lo..<hi) }
    }
}
