import BenchCore
import BenchResults

extension Runner {
    /// The finished row: priced, with no speed or cost when it failed, never a non-finite
    /// number, and its status and notes set (in the sidecar row too).
    func finalize(
        _ row: ResultRow, _ sidecar: SidecarRow, _ backend: any Backend, _ status: RowStatus, _ notes: String
    ) -> RunOutcome {
        var row = row, sidecar = sidecar, status = status
        var allNotes = [notes]
        if let note = price(&row, on: backend, status: status) { allNotes.append(note) }
        // A failed row reports no speed or cost (its samples stay in the sidecar).
        if status.isFailure { row.clearSpeedAndCost() }
        // No non-finite number is ever written (bench's own readers refuse them): such a
        // row is an error that names the column, with no speed or cost.
        if let bad = row.nonFiniteColumn() {
            status = .error
            allNotes = [
                "\(bad.column) would be \(bad.value) (a zero or impossible time, or an overflowing catalog number); no speed reported"
            ]
            row.clearSpeedAndCost()
        }
        row.status = status
        row.notes = allNotes.filter { !$0.isEmpty }.joined(separator: "; ")
        sidecar.status = status
        return RunOutcome(row: row, sidecar: sidecar)
    }
}
