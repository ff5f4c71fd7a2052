import BenchCore
import BenchResults

extension Runner {
    /// A modeled row: the backend's estimate as the row's time, speed, MFU and modeled energy.
    /// Never sampled (its sidecar's stop reason is `modeled`); an estimate that fails makes
    /// the row `unsupported` with the reason.
    func modeledRow(
        _ row: ResultRow, _ sidecar: SidecarRow, _ kernelCase: KernelCase, _ spec: any KernelSpec,
        on backend: any ModeledBackend
    ) -> RunOutcome {
        var (row, sidecar) = (row, sidecar)
        let e: ModeledEstimate
        do {
            e = try backend.estimate(kernelCase)
        } catch {
            return finalize(row, sidecar, backend, .unsupported, "\(error)")
        }
        row.medianSeconds = e.seconds
        row.tflops = row.flops / e.seconds / 1e12
        row.throughput = spec.unitsPerCall(kernelCase) / e.seconds
        sidecar.stopReason = .modeled
        row.mfu = row.flops / e.seconds / e.peakFLOPS
        row.bound = e.bound
        var notes = e.notes
        if let iv = e.interval {
            row.intervalLowSeconds = e.seconds * iv.low
            row.intervalHighSeconds = e.seconds * iv.high
            notes +=
                "; true time likely \(fixed(e.seconds * iv.low * 1e3, 3))–\(fixed(e.seconds * iv.high * 1e3, 3)) ms (\(iv.note))"
        } else {
            notes += "; no interval: the model's error on this device is unmeasured"
        }
        let energy = EnergyColumns.modeled(watts: e.watts, seconds: e.seconds, units: spec.unitsPerCall(kernelCase))
        row.energyJPerUnit = energy.joulesPerUnit
        row.energySource = energy.source
        if let note = energy.note { notes += "; " + note }
        return finalize(row, sidecar, backend, .ok, notes)
    }
}
