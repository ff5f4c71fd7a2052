import BenchCore
import BenchResults

extension Runner {
    /// The row of a case whose rounds all ran: statistics over the pooled samples, a CI that
    /// also covers the round-to-round spread, its MFU (`Peaks/`), energy (`Energy/`), the host
    /// model's prediction, and its price (`Cost/`, through ``finalize(_:_:_:_:_:)``).
    func finish(_ s: MeasuredRow) -> RunOutcome {
        var s = s
        s.recordSamples()
        var row = s.row
        let (kernelCase, spec) = (s.kernelCase, s.spec)
        let stats = RoundStatistics(rounds: s.rounds.map(\.samples), level: configuration.policy.confidenceLevel)
        let summary = stats.summary
        row.setTimes(stats, rounds: s.rounds.count)
        row.tflops = row.flops / summary.median / 1e12
        row.throughput = spec.unitsPerCall(kernelCase) / summary.median
        let verification = s.sidecar.verification
        var notes = [
            "verified \(verification?.checkedEntries ?? 0) entries (worst error \(fixed((verification?.worstErrorRatio ?? 0) * 100, 1))% of bound)"
        ]
        if let note = stats.note { notes.append(note) }
        if let said = s.preparedNotes { notes.append("\(s.backend.id) says: \(said)") }
        let achieved = row.flops / summary.median
        switch judgePeak(achieved: achieved, dtype: kernelCase.dtype, backend: s.backend, selfTimed: s.selfTimed) {
        case .impossible(let why): return finalize(row, s.sidecar, s.backend, .error, why.description)
        case .mfu(let mfu, let note):
            row.mfu = mfu
            notes.append(note)
        case .noMFU(let note): notes.append(note)
        case .none: break
        }
        if summary.confidenceInterval == nil { notes.append("too few samples for a 95% CI") }
        let energy = EnergyColumns.measured(
            s.energy, units: spec.unitsPerCall(kernelCase), selfTimed: s.selfTimed, meter: context.energy)
        row.energyJPerUnit = energy.joulesPerUnit
        row.energySource = energy.source
        if let note = energy.note { notes.append(note) }
        row.pluginOverheadSeconds = s.overheadSecondsPerSample
        if let predictor = configuration.predictors[s.backend.id], let e = predictor.predict(kernelCase) {
            row.modelSeconds = e.seconds
            row.modelError = e.seconds / summary.median - 1
            row.bound = e.bound
        }
        if s.sidecar.stopReason == .budget, let w = summary.relativeCIHalfWidth,
            w > configuration.policy.targetRelativeCIHalfWidth
        {
            notes.append(
                "budget spent before the CI reached ±\(fixed(configuration.policy.targetRelativeCIHalfWidth * 100, 0))% (±\(fixed(w * 100, 1))%)"
            )
        }
        return finalize(row, s.sidecar, s.backend, .ok, notes.joined(separator: "; "))
    }

    /// The row as its rounds so far describe it, for an interrupted run: marked in the sidecar
    /// (``SidecarRow/cutShort``) and, for people, in its notes.
    func provisional(_ s: MeasuredRow) -> RunOutcome {
        var outcome = finish(s)
        outcome.row.notes =
            "interrupted after \(s.rounds.count) of \(configuration.rounds) rounds (last call not verified); "
            + outcome.row.notes
        outcome.sidecar.cutShort = CutShort(roundsDone: s.rounds.count, roundsPlanned: configuration.rounds)
        return outcome
    }
}
