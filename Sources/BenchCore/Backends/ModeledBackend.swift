/// What bounds a modeled step: the compute units, memory bandwidth, or per-kernel overhead.
public enum Bound: String, Sendable, Codable, CaseIterable {
    case compute, memory, overhead
}

/// A modeled figure: no sample is taken; the time comes from a documented model.
public struct ModeledEstimate: Sendable, Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        (a.seconds, a.bound, a.peakFLOPS, a.notes, a.watts) == (b.seconds, b.bound, b.peakFLOPS, b.notes, b.watts)
            && a.interval?.low == b.interval?.low && a.interval?.high == b.interval?.high
    }

    /// Modeled seconds per call.
    public var seconds: Double
    /// The term that contributes most to the time.
    public var bound: Bound
    /// Dense peak FLOP/s of the modeled device(s) for the case's dtype (for MFU).
    public var peakFLOPS: Double
    /// A short explanation for the notes column.
    public var notes: String
    /// Modeled average power over the call (W), or `nil` when the device has no TDP.
    public var watts: Double?
    /// The 80% prediction interval of the true time, as factors on `seconds` (low ≤ high), and
    /// where it comes from; `nil` when the model has no measured error for the device.
    public var interval: (low: Double, high: Double, note: String)?

    public init(seconds: Double, bound: Bound, peakFLOPS: Double, notes: String, watts: Double? = nil) {
        self.seconds = seconds
        self.bound = bound
        self.peakFLOPS = peakFLOPS
        self.notes = notes
        self.watts = watts
    }
}

/// A backend whose figures come from a model of a device (`backend_kind=modeled`).
public protocol ModeledBackend: Backend {
    /// Version of the catalog the model read, written in the `catalog_version` column.
    var catalogVersion: String { get }
    /// The modeled time of one call, deterministic for a given case and catalog.
    func estimate(_ kernelCase: KernelCase) throws -> ModeledEstimate
}
