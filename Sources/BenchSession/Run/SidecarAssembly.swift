import BenchCore
import BenchResults
import BenchRun
import Foundation

/// Builds a run's sidecar, at its end or from the interrupt handler: the run's identity, the
/// environment as it stands, the fleet record and the instance metadata around the rows.
struct SidecarAssembly: Sendable {
    var runID: String
    var startedAt: Date
    var csvFile: String
    var suite: String
    var fleet: FleetRecord?
    var instanceMetadata: InstanceMetadata?
    /// Backend → the provenance of its imported price.
    var priceSources: [String: String]
    var recorder: EnvironmentRecorder
    /// Counts mode: how the rows were counted.
    var counting: CountingRecord?

    init(configuration c: RunConfiguration, runID: String, startedAt: Date, recorder: EnvironmentRecorder) {
        self.runID = runID
        self.startedAt = startedAt
        csvFile = c.destination.lastPathComponent
        suite = c.suite.name
        fleet = c.fleet
        instanceMetadata = c.instanceMetadata
        priceSources = Dictionary(
            c.prices.compactMap { id, quote in quote.provenance.map { (id.rawValue, $0) } },
            uniquingKeysWith: { a, _ in a })
        self.recorder = recorder
        counting = c.countingRecord
    }

    /// The environment now, with the run's peaks as they stand.
    func environment(_ peaks: HostPeaks) -> HostEnvironment { recorder.environment(peaksNow: peaks.current) }

    /// The sidecar of `rows`, finished now.
    func sidecar(interrupted: Bool, environment: HostEnvironment) -> ([SidecarRow]) -> Sidecar {
        { rows in
            var s = Sidecar(
                runID: runID, csvFile: csvFile, suite: suite, startedAt: Timestamp.iso(startedAt),
                finishedAt: Timestamp.iso(Date()), interrupted: interrupted, environment: environment, rows: rows)
            s.fleet = fleet
            s.instanceMetadata = instanceMetadata
            s.priceSources = priceSources.isEmpty ? nil : priceSources
            s.counting = counting
            return s
        }
    }
}
