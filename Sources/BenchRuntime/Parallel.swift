/// The body of a loop split by ``parallelRanges(_:threads:minimumPerThread:_:)-(_,_,_,RangeBody)``:
/// a value holding the loop's parameters, whose `callAsFunction(_:)` runs one contiguous range.
public protocol RangeBody {
    func callAsFunction(_ range: Range<Int>)
}

/// Splits `0..<count` into `threads` contiguous ranges and runs `body` on each,
/// on the calling thread when `threads` is 1 (or the work is tiny).
///
/// Uses the persistent ``WorkerPool``: no thread is created and, once specialised,
/// nothing is allocated per call. `body` must only write disjoint data per range.
@inlinable
public func parallelRanges<Body: RangeBody>(_ count: Int, threads: Int, minimumPerThread: Int = 1, _ body: Body) {
    runParts(count, threads: threads, minimumPerThread: minimumPerThread, body, interleaved: false)
}

/// Runs `body` on every one-element range `i..<i+1` of `0..<count`, participant `t` of
/// `threads` taking `i = t, t + threads, …`: for loops whose cost per index grows with `i`
/// (causal attention rows, where row `i` has `i + 1` entries), which contiguous ranges would
/// leave unbalanced (3:1 for two threads).
@inlinable
public func parallelInterleaved<Body: RangeBody>(_ count: Int, threads: Int, minimumPerThread: Int = 1, _ body: Body) {
    runParts(count, threads: threads, minimumPerThread: minimumPerThread, body, interleaved: true)
}

@inlinable
func runParts<Body: RangeBody>(_ count: Int, threads: Int, minimumPerThread: Int, _ body: Body, interleaved: Bool) {
    let workers = max(1, min(threads, count / max(1, minimumPerThread)))
    if workers == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    WorkerPool.shared.run(
        participants: workers, Parts(body: body, count: count, parts: workers, interleaved: interleaved))
}

/// Part `t` of `parts` runs `body` on `count·t/parts ..< count·(t+1)/parts`, or, when
/// `interleaved`, on `t..<t+1`, `t+parts..<t+parts+1`, ….
@usableFromInline
struct Parts<Body: RangeBody>: ParallelBody {
    @usableFromInline let body: Body
    @usableFromInline let count: Int, parts: Int
    @usableFromInline let interleaved: Bool
    @usableFromInline
    init(body: Body, count: Int, parts: Int, interleaved: Bool) {
        self.body = body
        self.count = count
        self.parts = parts
        self.interleaved = interleaved
    }
    @inlinable
    func callAsFunction(part t: Int) {
        if interleaved {
            var i = t
            while i < count {
                body(i..<(i + 1))
                i += parts
            }
        } else {
            let lo = count * t / parts, hi = count * (t + 1) / parts
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Splits `0..<count` like ``parallelRanges(_:threads:minimumPerThread:_:)-(_,_,_,RangeBody)``,
/// with a closure body: convenient outside the measured kernels, but each multi-threaded
/// call allocates one closure box.
public func parallelRanges(_ count: Int, threads: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    withoutActuallyEscaping(body) { body in
        parallelRanges(count, threads: threads, minimumPerThread: minimumPerThread, ClosureRangeBody(body: body))
    }
}

@usableFromInline
struct ClosureRangeBody: RangeBody {
    let body: (Range<Int>) -> Void
    @usableFromInline
    init(body: @escaping (Range<Int>) -> Void) { self.body = body }
    @usableFromInline
    func callAsFunction(_ range: Range<Int>) { body(range) }
}
