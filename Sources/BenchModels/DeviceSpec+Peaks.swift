import BenchDataFile
import BenchCore
import Foundation

extension DeviceSpec {
    /// The device's dense peaks in FLOP/s per dtype.
    public var denseFLOPS: [DType: Double] { peakDenseTflops.mapValues { $0.value * 1e12 } }
}
