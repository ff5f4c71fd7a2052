import BenchCore

/// What a measured row's speed says against the peak it is held to.
enum PeakJudgement {
    /// Below the peak: the row's MFU and the note saying which peak.
    case mfu(Double, note: String)
    /// No MFU, and why (the note).
    case noMFU(String)
    /// Faster than any hardware could be: the row is an `error`.
    case impossible(ImpossibleSpeed)
    /// No peak applies (a host row without a probe).
    case none
}

extension Runner {
    /// The MFU and impossible-speed policy of a measured row achieving `achieved` FLOP/s.
    ///
    /// - A self-timed row above the fastest catalog device's peak is impossible.
    /// - A device backend's row is held to its catalog device's dense peak (times its
    ///   `device_share`), never to the host CPU's probe.
    /// - A host row above the run's peak gets the peak probed again (a disturbed probe reads
    ///   low); still above it by more than max(the probe's spread, 50%), it is impossible, and
    ///   in between it has no MFU and says why.
    func judgePeak(achieved: Double, dtype: DType, backend: any Backend, selfTimed: Bool) -> PeakJudgement {
        if selfTimed, let fastest = configuration.fastestDeviceFLOPS[dtype], achieved > fastest {
            return .impossible(.aboveCatalog(flopsPerSecond: achieved, fastest: fastest, dtype: dtype))
        }
        if let device = backend as? any DeviceBackend {
            return judgeDevicePeak(achieved: achieved, dtype: dtype, backend: device)
        }
        guard backend.kind == .measured, !selfTimed, var peak = peaks.rate(for: dtype), peak > 0 else { return .none }
        if achieved > peak, let probe = configuration.probes?.peak {
            peak = peaks.raise(dtype, to: probe(dtype, configuration.threads).best)
        }
        // On a shared host a probe can read a third low twice running (measured: 117.5
        // against ~180 GFLOP/s), so only a row 50% above the re-probed peak (or more than
        // the probe's spread) is impossible; between, the row has no MFU and says why.
        let tolerance = max(context.peakSpread[dtype] ?? 0, 0.5)
        if achieved <= peak {
            return .mfu(
                achieved / peak,
                note: "\(fixed(achieved / peak * 100, 1))% of measured peak \(fixed(peak / 1e9, 1)) GFLOP/s")
        }
        if achieved > peak * (1 + tolerance) {
            return .impossible(.aboveHostPeak(flopsPerSecond: achieved, peak: peak))
        }
        return .noMFU(
            "no MFU: \(fixed(achieved / 1e9, 1)) GFLOP/s is above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s, even after probing it again (the probe was disturbed)"
        )
    }

    /// A device backend's row against its catalog device's dense peak.
    private func judgeDevicePeak(achieved: Double, dtype: DType, backend: any DeviceBackend) -> PeakJudgement {
        guard let catalog = configuration.devicePeaks[backend.id] else {
            return .noMFU("no MFU: the plugin names no catalog_device")
        }
        guard let full = catalog.flopsPerSecond[dtype], full > 0 else {
            return .noMFU("no MFU: the catalog has no dense \(dtype) peak for \(catalog.device)")
        }
        // A plugin on part of a device (`device_share`) is held to that part's peak.
        let share = backend.deviceShare
        let of = share < 1 ? "\(fixed(share, 3)) of the" : "the"
        let peak = full * share
        guard achieved <= peak else {
            return .noMFU(
                "no MFU: \(fixed(achieved / 1e12, 1)) TFLOP/s is above \(of) \(catalog.device) dense \(dtype) peak \(fixed(peak / 1e12, 1)) TFLOP/s (catalog); is the plugin on another device?"
            )
        }
        return .mfu(
            achieved / peak,
            note:
                "\(fixed(achieved / peak * 100, 1))% of \(of) \(catalog.device) dense \(dtype) peak \(fixed(peak / 1e12, 1)) TFLOP/s (catalog)"
        )
    }
}
