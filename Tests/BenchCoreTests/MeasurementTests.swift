import BenchCore
import BenchTestSupport
import Testing

@Suite("Measurement engine (fake clock)")
struct MeasurementTests {
    @Test("constant call times stop on precision once the minimum samples and half the budget are reached")
    func precisionStop() {
        let clock = FakeClock()
        var sw = FakeStopwatch(clock)
        var calls = 0
        let m = Measurement.measure(policy: .standard, stopwatch: &sw) {
            clock.now += 0.015625  // 1/64 s: exact in binary, so the sums below are exact
            calls += 1
        }
        #expect(m.stopReason == .precision)
        // Precision may stop only after half the 2 s budget: 0.3125 s warm-up + 44 samples of 1/64 s = 1 s.
        #expect(m.samples.count == 44)
        #expect(m.callsPerSample == 1)
        // Warm-up: ≥ 3 calls and ≥ 0.3 s of 1/64 s calls = ⌈19.2⌉ = 20 calls.
        #expect(m.warmupCalls == 20)
        #expect(m.samples.allSatisfy { $0 == 0.015625 })
        #expect(calls == 64)
    }

    @Test("tiny kernels are batched so each sample lasts about 1 ms")
    func batching() {
        let clock = FakeClock()
        var sw = FakeStopwatch(clock)
        let m = Measurement.measure(policy: .quick, stopwatch: &sw) { clock.now += 1e-6 }
        #expect(m.callsPerSample == 1000)
        #expect(m.warmupCalls == 1)
        #expect(abs(m.samples[0] - 1e-6) < 1e-12)
    }

    @Test("noisy samples run until the budget is spent")
    func budgetStop() {
        let clock = FakeClock()
        var sw = FakeStopwatch(clock)
        var i = 0
        let m = Measurement.measure(policy: MeasurementPolicy(budgetSeconds: 2), stopwatch: &sw) {
            i += 1
            clock.now += (i % 2 == 0) ? 0.01 : 0.02  // alternating: the CI never narrows to ±1%
        }
        #expect(m.stopReason == .budget)
        #expect(clock.now >= 2)
        #expect(clock.now < 2.1)
    }

    @Test("--min-samples wins over the budget for a slow case")
    func minSamplesWins() {
        let clock = FakeClock()
        var sw = FakeStopwatch(clock)
        let policy = MeasurementPolicy(minSamples: 12, budgetSeconds: 0.1)
        var i = 0
        let m = Measurement.measure(policy: policy, stopwatch: &sw) {
            i += 1
            clock.now += 0.5 + Double(i % 3) * 0.1
        }
        #expect(m.samples.count == 12)
        #expect(m.stopReason == .budget)
    }

    @Test("a call already made on the prepared state is the first warm-up call: a slow round runs one call fewer")
    func primedCall() {
        // One round of the standard policy: ≥ 1 warm-up call, ≥ 0.06 s of warm-up, ≥ 2 samples, 0.4 s.
        let policy = MeasurementPolicy.standard.perRound
        for primed in [nil, 0.5] {
            let clock = FakeClock()
            var sw = FakeStopwatch(clock)
            var calls = 0
            let m = Measurement.measure(policy: policy, stopwatch: &sw, primedCall: primed) {
                clock.now += 0.5
                calls += 1
            }
            #expect(m.samples == [0.5, 0.5])
            #expect(m.warmupCalls == 1)
            #expect(calls == (primed == nil ? 3 : 2))
        }
        // A fast primed call leaves the warm-up's seconds to run as before, and is counted.
        let clock = FakeClock()
        var sw = FakeStopwatch(clock)
        let m = Measurement.measure(policy: .standard, stopwatch: &sw, primedCall: 0.015625) {
            clock.now += 0.015625
        }
        #expect(m.warmupCalls == 20)
        #expect(m.samples.count == 44)
    }
}
