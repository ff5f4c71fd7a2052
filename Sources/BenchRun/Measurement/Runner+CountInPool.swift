import BenchCore
import BenchResults
import Foundation

extension Runner {
    /// Counts `rows` through `pool`, ``RowCountingPool/jobs`` at a time. The finished rows are
    /// handed to `didFinish` on this thread in the rows' order; a row the pool could not count
    /// is an error row naming why.
    func count(
        _ rows: [MeasuredRow], in pool: any RowCountingPool, step: inout Int, steps: Int,
        willRun: (RunProgress) -> Void, didFinish: (RunOutcome) throws -> Void
    ) rethrows {
        guard !rows.isEmpty else { return }
        let board = CountingBoard(rows.map { ($0.kernelCase.id, $0.backend.id) })
        let workers = max(1, min(pool.jobs, rows.count))
        for _ in 0..<workers {
            Thread.detachNewThread { board.work(pool) }
        }
        // Handed on in the rows' order, whatever order they finish in, so the files come out
        // the same from run to run.
        var finished: [Int: Result<RunOutcome, any Error>] = [:]
        var next = 0
        for _ in rows.indices {
            let (index, result) = board.next()
            finished[index] = result
            while let result = finished.removeValue(forKey: next) {
                let state = rows[next]
                next += 1
                willRun(
                    RunProgress(
                        step: step, steps: steps, kernelCase: state.kernelCase, backend: state.backend.id, round: 1,
                        rounds: 1))
                step += 1
                switch result {
                case .success(var outcome):
                    // The row as this run names it: its run id, time and host, not the child's.
                    outcome.row.runID = state.row.runID
                    outcome.row.timestamp = state.row.timestamp
                    outcome.row.host = state.row.host
                    outcome.sidecar.key = outcome.row.key
                    try didFinish(outcome)
                case .failure(let error):
                    try didFinish(failed(state, .error, "\(error)"))
                }
            }
        }
    }
}

/// The rows to count and what came back, shared by the workers and the runner's thread.
private final class CountingBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private let rows: [(String, BackendID)]
    private var taken = 0
    private var done: [(Int, Result<RunOutcome, any Error>)] = []

    init(_ rows: [(String, BackendID)]) { self.rows = rows }

    /// A worker: takes the next row until none is left.
    func work(_ pool: any RowCountingPool) {
        while true {
            condition.lock()
            let index = taken
            taken += 1
            condition.unlock()
            guard index < rows.count else { return }
            let result = Result { try pool.count(caseID: rows[index].0, backend: rows[index].1) }
            condition.lock()
            done.append((index, result))
            condition.signal()
            condition.unlock()
        }
    }

    /// The next finished row; waits for one.
    func next() -> (Int, Result<RunOutcome, any Error>) {
        condition.lock()
        defer { condition.unlock() }
        while done.isEmpty { condition.wait() }
        return done.removeFirst()
    }
}
