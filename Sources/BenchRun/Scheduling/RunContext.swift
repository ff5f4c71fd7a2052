import BenchCore
import Foundation

/// What a run learns as it starts, before its first case: its id and start time, the host's
/// peaks as probed (and their spread), and the host's energy counters.
public struct RunContext: Sendable {
    public var runID: String
    /// ISO 8601 UTC time the run started, written in every row.
    public var timestamp: String
    /// The peaks in use, raised by any later probe: the one owner of the run's peak.
    public var peaks: HostPeaks
    /// The start-up peak probe's spread per dtype ((max − min) / max of its runs). A measured
    /// host row faster than the re-probed peak by more than max(spread, 50%) is an `error` row.
    public var peakSpread: [DType: Double]
    /// The host's energy counters, or why there are none (measured rows' energy columns).
    public var energy: Result<EnergyMeter, EnergyUnavailable>

    public init(
        runID: String = UUID().uuidString.lowercased(), timestamp: String, peaks: HostPeaks = HostPeaks([:]),
        peakSpread: [DType: Double] = [:],
        energy: Result<EnergyMeter, EnergyUnavailable> = .failure(
            EnergyUnavailable(reason: "energy counters not opened"))
    ) {
        self.runID = runID
        self.timestamp = timestamp
        self.peaks = peaks
        self.peakSpread = peakSpread
        self.energy = energy
    }
}
