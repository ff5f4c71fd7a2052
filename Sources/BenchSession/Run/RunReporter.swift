import BenchCore
import BenchResults
import BenchRun
import Foundation

/// Receives a ``RunSession``'s events, the way google/benchmark's `BenchmarkReporter` does:
/// the session runs, the reporter prints (or records). Called on the session's thread, except
/// ``interrupted(_:)``, which runs on a signal queue while a kernel may still be running.
public protocol RunReporter: AnyObject, Sendable {
    /// Before the first case: the peaks probed, the BLAS library, warnings about the setup.
    func runStarted(_ start: RunStart)
    /// Before each step: a row's round (a modeled or unsupported row has one).
    func rowWillRun(_ progress: RunProgress)
    /// After each row is on disk.
    func rowFinished(_ outcome: RunOutcome)
    /// A measured row beat the peak and a new probe raised it (later MFUs use the new peak).
    func peakRaised(_ raise: HostPeaks.Raise)
    /// SIGINT or SIGTERM: the finished rows and the sidecar are on disk (or `saveError` says
    /// why not). The reporter ends the process (exit status 130); it must not return.
    func interrupted(_ interruption: RunInterruption) -> Never
    /// After the files are complete.
    func runFinished(_ summary: RunSummary)
}

/// What is known when the first case starts.
public struct RunStart: Sendable {
    public var destination: URL
    public var threads: Int
    /// The measured host peak per dtype (only dtypes a measured backend runs).
    public var peaks: [DType: Double]
    public var blas: BLASInfo
    /// One line each: a narrower BLAS core than the CPU, a core type that did not take effect.
    public var warnings: [String]
    public var rowCount: Int
}

/// An interrupted run.
public struct RunInterruption: Sendable {
    public var signal: Int32
    public var savedRows: Int
    public var destination: URL
    public var partial: URL
    /// Why the rows could not be saved, or `nil` when they were.
    public var saveError: String?
}

/// A finished run, for the final printout and the exit status.
public struct RunSummary: Sendable {
    public var outcomes: [RunOutcome]
    public var destination: URL
    public var sidecar: URL
    public var threads: Int
    /// The peaks the rows' MFU used, as written in the sidecar.
    public var peaks: [DType: Double]
    public var environment: HostEnvironment
    /// Log file per plugin backend.
    public var pluginLogs: [(backend: BackendID, path: String)]
    /// Warnings to repeat at the end (BLAS core, host noise).
    public var warnings: [String]

    /// Rows that failed (`verify_failed`, `error`).
    public var failures: [ResultRow] { outcomes.map(\.row).filter { $0.status.isFailure } }

    /// `model_error` of every row that has one (`--with-model`), with its backend.
    public var predictionErrors: [(backend: BackendID, error: Double)] {
        outcomes.compactMap { o in o.row.modelError.map { (o.row.backend, $0) } }
    }
}
