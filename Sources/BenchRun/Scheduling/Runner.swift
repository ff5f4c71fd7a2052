import BenchCore
import BenchResults

/// Runs every case on every backend and hands each finished row to a sink.
///
/// Follows the data: case × backend → prepare → verify → measure (in rounds) → verify →
/// summarise → row. This file only schedules: the round (`Measurement/`), the row's statistics
/// (`Statistics/`), its MFU (`Peaks/`), energy (`Energy/`) and price (`Cost/`) live in the
/// folders of their concern. Never prints; progress goes through `willRun`.
public struct Runner {
    public let configuration: RunConfiguration
    public let context: RunContext

    public init(configuration: RunConfiguration, context: RunContext) {
        self.configuration = configuration
        self.context = context
    }

    /// The peaks in use: the context's, raised by any later probe, so one disturbed start-up
    /// probe costs one more probe, not one per row. Rows, sidecar and printout all read it.
    public var peaks: HostPeaks { context.peaks }

    /// Runs `cases` × `backends`, measured ones in ``MeasurementPolicy/rounds`` interleaved
    /// rounds: every row's first round, then every row's second, and so on, so that a drift of
    /// the machine hits every case alike. Modeled, unsupported and failed rows finish at once;
    /// a measured row finishes after its last round.
    ///
    /// - Parameters:
    ///   - isCancelled: polled between steps; when it returns `true` the run stops.
    ///   - willRun: called before each step (a row's round).
    ///   - didMeasureRound: after each round of a row that is not finished yet, the row as its
    ///     rounds so far describe it (what an interrupted run saves).
    ///   - didFinish: receives each finished row; an error thrown here stops the run.
    public func run(
        cases: [KernelCase], backends: [any Backend],
        isCancelled: () -> Bool = { false },
        willRun: (RunProgress) -> Void = { _ in },
        didMeasureRound: (RunOutcome) -> Void = { _ in },
        didFinish: (RunOutcome) throws -> Void
    ) rethrows {
        let rounds = configuration.rounds
        let pairs = cases.flatMap { kc in backends.map { (kc, $0) } }
        let measuredRows = pairs.filter { kc, b in
            b.kind == .measured && configuration.kernels.spec(named: kc.kernel) != nil
                && b.unsupportedReason(for: kc) == nil
        }.count
        let steps = pairs.count + measuredRows * (rounds - 1)
        var step = 0
        var open: [MeasuredRow] = []
        var pooled: [MeasuredRow] = []
        // Round 1 of every row, in case order; rows that need no measuring finish here.
        for (kc, backend) in pairs {
            if isCancelled() { return }
            willRun(
                RunProgress(
                    step: step, steps: steps, kernelCase: kc, backend: backend.id, round: 1,
                    rounds: backend.kind == .measured ? rounds : 1))
            step += 1
            switch start(kc, on: backend) {
            case .finished(let outcome): try didFinish(outcome)
            case .measuring(var state):
                if configuration.countingPool != nil {
                    step -= 1  // counted below, when the pool hands the row back
                    pooled.append(state)
                } else if let counter = configuration.counter {
                    try didFinish(count(state, with: counter))
                } else if let failed = measureRound(&state) {
                    try didFinish(failed)
                } else if rounds == 1 {
                    try didFinish(finish(state))
                } else {
                    didMeasureRound(provisional(state))
                    open.append(state)
                }
            }
        }
        if let pool = configuration.countingPool {
            try count(pooled, in: pool, step: &step, steps: steps, willRun: willRun, didFinish: didFinish)
        }
        // Rounds 2…N of the rows still open, in the same order.
        for round in stride(from: 2, through: rounds, by: 1) {
            var still: [MeasuredRow] = []
            for var state in open {
                if isCancelled() { return }
                willRun(
                    RunProgress(
                        step: step, steps: steps, kernelCase: state.kernelCase, backend: state.backend.id,
                        round: round, rounds: rounds))
                step += 1
                if let failed = measureRound(&state) {
                    try didFinish(failed)
                } else if round == rounds {
                    try didFinish(finish(state))
                } else {
                    didMeasureRound(provisional(state))
                    still.append(state)
                }
            }
            open = still
        }
    }

    /// Runs one case on one backend, all its rounds back to back, and builds its row.
    /// Failures become rows, never throws.
    public func runOne(_ kernelCase: KernelCase, on backend: any Backend) -> RunOutcome {
        switch start(kernelCase, on: backend) {
        case .finished(let outcome): return outcome
        case .measuring(var state):
            if let counter = configuration.counter { return count(state, with: counter) }
            for _ in 0..<configuration.rounds {
                if let failed = measureRound(&state) { return failed }
            }
            return finish(state)
        }
    }
}
