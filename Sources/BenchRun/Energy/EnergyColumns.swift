import BenchCore
import BenchResults

/// Joules and calls the energy meter counted over a measured row's rounds.
struct EnergyTally {
    var joules = 0.0
    var calls = 0

    mutating func add(joules: Double, calls: Int) {
        self.joules += joules
        self.calls += calls
    }
}

/// A row's energy columns (`energy_j_per_unit`, `energy_source`) and the note that explains
/// them or their absence.
struct EnergyColumns {
    var joulesPerUnit: Double?
    var source: EnergySource?
    var note: String?

    /// A modeled row: modeled power × modeled time per unit of work.
    static func modeled(watts: Double?, seconds: Double, units: Double) -> EnergyColumns {
        guard let watts else { return EnergyColumns(note: "no energy: the catalog has no TDP for this device") }
        return EnergyColumns(joulesPerUnit: watts * seconds / units, source: .modeled)
    }

    /// A measured row: the package counters' joules over the calls they counted, per unit.
    static func measured(
        _ tally: EnergyTally, units: Double, selfTimed: Bool, meter: Result<EnergyMeter, EnergyUnavailable>
    ) -> EnergyColumns {
        if selfTimed { return EnergyColumns(note: "no energy: the plugin's device reports none") }
        if tally.calls > 0 {
            return EnergyColumns(
                joulesPerUnit: tally.joules / Double(tally.calls) / units, source: .measured,
                note:
                    "energy: RAPL package counters over the measured calls (whole sockets: idle and other processes included)"
            )
        }
        if case .failure(let why) = meter { return EnergyColumns(note: "no energy: \(why)") }
        return EnergyColumns()
    }
}
