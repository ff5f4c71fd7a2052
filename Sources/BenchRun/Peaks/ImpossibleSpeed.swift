import BenchCore

/// A speed no hardware could reach: the row becomes an `error` row with this one line.
enum ImpossibleSpeed: Error, CustomStringConvertible {
    /// A self-timed (plugin) row above the fastest dense peak of any catalog device.
    case aboveCatalog(flopsPerSecond: Double, fastest: Double, dtype: DType)
    /// A host row above the re-probed peak by more than the probe's spread (at least 50%).
    case aboveHostPeak(flopsPerSecond: Double, peak: Double)

    var description: String {
        switch self {
        case .aboveCatalog(let achieved, let fastest, let dtype):
            "impossible speed: \(fixed(achieved / 1e12, 1)) TFLOP/s is above the fastest \(dtype) peak of any device in the catalog (\(fixed(fastest / 1e12, 1)) TFLOP/s); the plugin's clock or its work is wrong"
        case .aboveHostPeak(let achieved, let peak):
            "impossible speed: \(fixed(achieved / 1e9, 1)) GFLOP/s is \(fixed((achieved / peak - 1) * 100, 0))% above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s even after probing it again (more than the probe's spread, at least 50%); the kernel's timing or its work is wrong"
        }
    }
}
