import BenchCore
import Foundation

extension Runner {
    /// Why a host row is skipped rather than measured: the policy's fewest calls (a warm-up call
    /// and two samples a round, the standard policy's 15) would take longer than
    /// `--max-case-seconds` even at the host's measured peak for the row's dtype, a lower bound
    /// on their time. So an accelerator-sized case (the training suite's bf16 Llama-3-8B layer at
    /// 4096 tokens, 6.2 TFLOP a call) is not run for minutes on a small CPU host, and is run on a
    /// host fast enough for it. `nil` when the row runs: no limit, counts mode (valgrind's
    /// slowdown is another matter), a device backend (its speed is not the host's), or no
    /// measured peak for the dtype.
    func tooLongReason(_ kernelCase: KernelCase, flops: Double, on backend: any Backend) -> String? {
        guard let limit = configuration.maxCaseSeconds, configuration.countingRecord == nil,
            backend.kind == .measured, !(backend is any DeviceBackend), flops > 0,
            let peak = peaks.rate(for: kernelCase.dtype), peak > 0
        else { return nil }
        let round = configuration.policy.perRound
        let rounds = configuration.rounds
        let calls = rounds * (round.warmupMinCalls + round.minSamples)
        let seconds = Double(calls) * flops / peak
        guard seconds > limit else { return nil }
        return
            "skipped: its fewest calls (\(calls): \(rounds) rounds of \(round.warmupMinCalls) warm-up and \(round.minSamples) samples) of \(fixed(flops / 1e9, 1)) GFLOP each take at least \(seconds >= 0.1 ? fixed(seconds, 1) : String(format: "%.2g", seconds)) s at this host's measured \(kernelCase.dtype) peak of \(fixed(peak / 1e9, 1)) GFLOP/s, over --max-case-seconds \(String(format: "%g", limit)); pass --max-case-seconds 0 to run it"
    }
}
