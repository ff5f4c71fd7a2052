import BenchCore
import BenchResults

/// Where a run is: the step about to run (a row's round), for progress lines.
public struct RunProgress: Sendable {
    /// 0-based index of the step, and the number of steps (rows × their rounds).
    public var step: Int
    public var steps: Int
    public var kernelCase: KernelCase
    public var backend: BackendID
    /// 1-based round of the row, and its rounds (1 for modeled and unsupported rows).
    public var round: Int
    public var rounds: Int
}

/// A finished row and the raw samples behind it.
public struct RunOutcome: Sendable {
    public var row: ResultRow
    public var sidecar: SidecarRow
    /// Achieved FLOP/s ÷ peak (the row's `mfu`).
    public var fractionOfPeak: Double? { row.mfu }

    public init(row: ResultRow, sidecar: SidecarRow) {
        self.row = row
        self.sidecar = sidecar
    }
}
