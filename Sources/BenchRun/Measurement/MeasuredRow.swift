import BenchCore
import BenchResults

/// A measured row between its rounds: its fixed columns, and what its rounds have measured.
struct MeasuredRow {
    var kernelCase: KernelCase
    var backend: any Backend
    var spec: any KernelSpec
    var row: ResultRow
    var sidecar: SidecarRow
    var rounds: [Measurement] = []
    /// The backend times its own calls (a plugin's device clock).
    var selfTimed = false
    var overheadSecondsPerSample: Double?
    var preparedNotes: String?
    /// Joules and calls counted by the energy meter over the rounds (in-process rows).
    var energy = EnergyTally()

    /// Puts the rounds' samples (pooled, in order) and their bookkeeping into the sidecar row.
    mutating func recordSamples() {
        sidecar.samplesSeconds = rounds.flatMap(\.samples)
        sidecar.callsPerSample = rounds.last?.callsPerSample ?? 0
        sidecar.warmupCalls = rounds.map(\.warmupCalls).reduce(0, +)
        sidecar.stopReason = rounds.last?.stopReason
        // A row that failed before its first round finished has no rounds.
        sidecar.rounds =
            rounds.isEmpty
            ? nil
            : rounds.map {
                SidecarRound(
                    samples: $0.samples.count, callsPerSample: $0.callsPerSample, warmupCalls: $0.warmupCalls,
                    stopReason: $0.stopReason)
            }
        row.samples = sidecar.samplesSeconds.count
        row.rounds = rounds.isEmpty ? nil : rounds.count
    }
}

/// How a row starts: finished at once (modeled, unsupported, unknown), or to be measured.
enum RowStart {
    case finished(RunOutcome)
    case measuring(MeasuredRow)
}
