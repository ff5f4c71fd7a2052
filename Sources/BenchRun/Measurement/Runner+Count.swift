import BenchCore
import BenchResults

extension Runner {
    /// Counts mode: one pass instead of timed rounds. Prepare, count ``CountingRecord/calls``
    /// calls after the warm-up under the counter, verify the last call, and write the counts
    /// per call. (No separate first call: under valgrind a call costs seconds, and the warm-up
    /// call does the first call's lazy set-up; a wrong kernel fails the verification after.) No time, speed, MFU, energy or
    /// price: a count is not a time.
    func count(_ s: MeasuredRow, with counter: any CallCounter) -> RunOutcome {
        var s = s
        let prepared: any PreparedCase
        switch prepare(s) {
        case .ready(let p): prepared = p
        case .failed(let outcome): return outcome
        }
        defer { prepared.teardown() }
        if prepared is any SelfTimedCase {
            return failed(s, .unsupported, "\(s.backend.id) runs in another process, which callgrind does not count")
        }
        let record = counter.record
        let counts: CallCounts
        do {
            counts = try counter.count(label: s.row.key.description, warmup: record.warmupCalls, calls: record.calls) {
                try prepared.run()
            }
        } catch {
            return failed(s, .error, "\(error)")
        }
        let last = prepared.verify()
        s.sidecar.verification = last
        guard last.passed else {
            return failed(s, .verifyFailed, "verification failed after counting: \(last.detail)")
        }
        var row = s.row
        row.instructions = counts.instructions
        row.l1Misses = counts.l1Misses
        row.llMisses = counts.llMisses
        row.estimatedCycles = counts.estimatedCycles
        s.sidecar.counts = counts
        let notes = [
            "verified \(last.checkedEntries) entries (worst error \(fixed(last.worstErrorRatio * 100, 1))% of bound)",
            "counted \(record.calls) calls after \(record.warmupCalls) warm-up under \(record.tool) (cache \(record.cache)); per call",
        ]
        return finalize(row, s.sidecar, s.backend, .ok, notes.joined(separator: "; "))
    }
}
