import BenchCore
import BenchResults

/// Counts mode's first process: counts each measured row in a process of its own (bench again,
/// under callgrind), several at once. A row's counts then depend on that row alone, not on
/// which rows ran before it in the same process, nor on how many run at once.
public protocol RowCountingPool: Sendable {
    /// How the rows are counted (the sidecar's counting record).
    var record: CountingRecord { get }
    /// The most rows counted at once.
    var jobs: Int { get }
    /// The core type OpenBLAS is pinned to in the counting processes.
    var blasCoreType: String { get }
    /// Counts the row of `caseID` on `backend` in a process of its own and returns that
    /// process's finished row. Blocks; called from several threads at once.
    ///
    /// - Throws: when the process did not leave a row (it could not start, or valgrind ended it).
    func count(caseID: String, backend: BackendID) throws -> RunOutcome
    /// Stops every counting process now (an interrupt).
    func cancel()
}
