import BenchCore
import BenchResults

extension Runner {
    /// One round: prepare, a first call (verified in the first round; it is the round's first
    /// warm-up call), warm up and sample, (verify the last call of the last round), tear down.
    /// Returns the finished row when the round failed.
    func measureRound(_ s: inout MeasuredRow) -> RunOutcome? {
        let first = s.rounds.isEmpty
        let last = s.rounds.count + 1 == configuration.rounds
        let prepared: any PreparedCase
        switch prepare(s) {
        case .ready(let p): prepared = p
        case .failed(let outcome): return outcome
        }
        defer { prepared.teardown() }
        var stopwatch = configuration.clock()
        let firstCall: Double
        do {
            let t0 = stopwatch.seconds()
            try prepared.run()
            firstCall = stopwatch.seconds() - t0
        } catch {
            return failed(s, .error, "\(error)")
        }
        if first {
            // Verify the first call before spending the budget on a wrong kernel.
            let v = prepared.verify()
            s.sidecar.verification = v
            guard v.passed else {
                return failed(s, .verifyFailed, "verification failed on the first call: \(v.detail)")
            }
        }
        let measurement: Measurement
        do {
            if let selfTimed = prepared as? any SelfTimedCase {
                s.selfTimed = true
                measurement = try sampleSelfTimed(selfTimed, flops: s.row.flops, dtype: s.kernelCase.dtype)
            } else {
                measurement = try sample(prepared, firstCall: firstCall, energy: &s.energy)
            }
        } catch {
            return failed(s, .error, "\(error)")
        }
        s.rounds.append(measurement)
        s.overheadSecondsPerSample = prepared.overheadSecondsPerSample
        s.preparedNotes = prepared.preparedNotes
        if last {
            let v = prepared.verify()
            s.sidecar.verification = v
            guard v.passed else {
                // The samples stay in the sidecar for diagnosis; no speed is reported.
                s.recordSamples()
                return finalize(
                    s.row, s.sidecar, s.backend, .verifyFailed, "verification failed after measuring: \(v.detail)")
            }
        }
        return nil
    }

    /// Samples an in-process case on the run's clock, counting its energy where the host can.
    /// The round's first call (`firstCall` seconds, made and verified before) is its first
    /// warm-up call; the energy counters cover only the calls made here.
    private func sample(_ prepared: any PreparedCase, firstCall: Double, energy: inout EnergyTally) throws
        -> Measurement
    {
        var stopwatch = configuration.clock()
        let meter = try? context.energy.get()
        let before = meter?.read()
        let measurement = try Measurement.measure(
            policy: configuration.policy.perRound, stopwatch: &stopwatch, primedCall: firstCall
        ) {
            try prepared.run()
        }
        if let meter, let before, let after = meter.read(), let joules = meter.joules(from: before, to: after) {
            energy.add(
                joules: joules,
                calls: measurement.warmupCalls - 1 + measurement.samples.count * measurement.callsPerSample)
        }
        return measurement
    }

    /// Samples a case that times itself (a plugin's device clock). A sample faster than any
    /// catalog device could run the case ends the row at once: the batching would otherwise
    /// ask an impossibly fast plugin for ever more calls.
    private func sampleSelfTimed(_ selfTimed: any SelfTimedCase, flops: Double, dtype: DType) throws -> Measurement {
        var stopwatch = configuration.clock()
        let bound = configuration.fastestDeviceFLOPS[dtype]
        return try Measurement.measureSelfTimed(policy: configuration.policy.perRound, stopwatch: &stopwatch) {
            let xs = try selfTimed.samples(count: $0, callsPerSample: $1)
            if let bound, let fastest = xs.min(), flops / fastest > bound {
                throw ImpossibleSpeed.aboveCatalog(flopsPerSecond: flops / fastest, fastest: bound, dtype: dtype)
            }
            return xs
        }
    }

    /// The row's case, prepared with the run's threads, or the row's finished outcome when the
    /// backend cannot prepare it (`unsupported` when it says so, else `error`).
    func prepare(_ s: MeasuredRow) -> PreparedOrFailed {
        do {
            return .ready(try s.backend.prepare(s.kernelCase, threads: configuration.threads))
        } catch BackendError.unsupported(let reason) {
            return .failed(failed(s, .unsupported, reason))
        } catch {
            return .failed(failed(s, .error, "\(error)"))
        }
    }

    /// A failed round's row: the earlier rounds' samples stay in the sidecar.
    func failed(_ s: MeasuredRow, _ status: RowStatus, _ notes: String) -> RunOutcome {
        var s = s
        s.recordSamples()
        let prefix = s.rounds.isEmpty ? "" : "round \(s.rounds.count + 1): "
        return finalize(s.row, s.sidecar, s.backend, status, prefix + notes)
    }
}

/// A prepared case, or the row it ended as.
enum PreparedOrFailed {
    case ready(any PreparedCase)
    case failed(RunOutcome)
}
