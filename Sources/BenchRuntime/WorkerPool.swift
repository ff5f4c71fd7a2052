import CBenchSupport
import Foundation
import Synchronization

/// A persistent pool of worker threads for the kernels' parallel loops.
///
/// `run(participants:_:)` hands `body(part: t)` to `participants − 1` workers, runs `body(part: 0)`
/// on the caller, then waits for all of them. Workers spin for a short while (≈ 50 µs)
/// after each job before sleeping, so back-to-back parallel regions of a GEMM or a
/// training step start within a fraction of a microsecond and always on distinct threads —
/// `DispatchQueue.concurrentPerform` sometimes ran both halves on one thread, making small
/// multi-threaded kernels bimodal. No thread is created and, for a ``ParallelBody``, nothing is
/// allocated per call.
public final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool, with one worker per extra logical core.
    public static let shared = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Worker threads (the caller is participant 0 and is not counted).
    public let workers: Int
    /// The job counter and its participant count in one word: `generation << 16 | participants`,
    /// so a worker that wakes late can never pair one job's generation with another's count.
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
    private let callerLock = NSLock()
    // Written by the caller before `generation` is bumped, read by participating workers after
    // they see it (a participant of one job always finishes before the next job is published).
    private nonisolated(unsafe) var job: Job?

    /// A published parallel region: the caller's body, and how to call it.
    private struct Job {
        let context: UnsafeRawPointer
        let invoke: (UnsafeRawPointer, Int) -> Void
    }

    /// Spin iterations before a worker sleeps (≈ 50 µs of `pause`).
    static let spinLimit = 2_000

    public init(workers: Int) {
        self.workers = workers
        for index in 1...max(1, workers) where index <= workers {
            let thread = Thread { [unowned self] in self.workerLoop(index) }
            thread.name = "bench-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(part: t)` for `t` in `0..<participants` (at most `workers + 1` at once),
    /// `t = 0` on the calling thread, and returns when all are done.
    ///
    /// `body` is a value holding the loop's parameters; the workers read it in place through
    /// a pointer to the caller's copy, so a call allocates nothing once specialised (a closure
    /// would need `withoutActuallyEscaping`, which boxes it on the heap at every call).
    @inlinable
    public func run<Body: ParallelBody>(participants requested: Int, _ body: Body) {
        if min(requested, workers + 1) <= 1 {
            for t in 0..<max(requested, 1) { body(part: t) }
            return
        }
        withUnsafePointer(to: body) { pointer in
            dispatch(participants: requested, context: UnsafeRawPointer(pointer)) { context, t in
                context.assumingMemoryBound(to: Body.self).pointee(part: t)
            }
        }
    }

    /// Runs `body(t)` for `t` in `0..<participants`, like ``run(participants:_:)-(_,ParallelBody)``.
    ///
    /// Convenient for code outside the measured kernels; each call allocates one closure box.
    public func run(participants requested: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            run(participants: requested, ClosureBody(body: body))
        }
    }

    /// Publishes `invoke(context, t)` to the workers, runs `t = 0` (and any parts beyond the
    /// pool's size) on the caller, and waits for the workers.
    @usableFromInline
    func dispatch(
        participants requested: Int, context: UnsafeRawPointer, invoke: @escaping (UnsafeRawPointer, Int) -> Void
    ) {
        let n = min(requested, workers + 1)
        // One parallel region at a time (nested or concurrent callers run serially).
        guard n > 1, callerLock.try() else {
            for t in 0..<requested { invoke(context, t) }
            return
        }
        defer { callerLock.unlock() }
        job = Job(context: context, invoke: invoke)
        pending.store(n - 1, ordering: .relaxed)
        let next = ((generation.load(ordering: .relaxed) >> 16) + 1) << 16 | n
        generation.store(next, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        invoke(context, 0)
        // Requests beyond the pool's size run on the caller.
        if requested > n { for t in n..<requested { invoke(context, t) } }
        while pending.load(ordering: .acquiring) > 0 { bench_cpu_relax() }
        job = nil
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                if spins < Self.spinLimit {
                    bench_cpu_relax()
                    spins += 1
                } else {
                    condition.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .acquiring) == seen { condition.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    condition.unlock()
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if index < current & 0xFFFF {
                runJob(index)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }

    /// Calls the job in its own frame, so this worker holds no reference to it once it
    /// signals completion (the closure form's `withoutActuallyEscaping` checks that).
    @inline(never)
    private func runJob(_ index: Int) {
        if let job { job.invoke(job.context, index) }
    }
}

/// The body of a parallel region: a value (usually a struct of pointers and sizes) whose
/// `callAsFunction(part:)` does participant `part`'s share. Values, unlike closures, reach
/// the worker threads without a heap allocation.
public protocol ParallelBody {
    func callAsFunction(part: Int)
}

/// Adapts a closure to ``ParallelBody`` (one allocation per call, for the closure's box).
@usableFromInline
struct ClosureBody: ParallelBody {
    let body: (Int) -> Void
    @usableFromInline
    init(body: @escaping (Int) -> Void) { self.body = body }
    @usableFromInline
    func callAsFunction(part: Int) { body(part) }
}
