/// A monotonic time source for the measurement loop.
public protocol Stopwatch {
    /// Seconds since an arbitrary fixed origin.
    mutating func seconds() -> Double
}

/// The real clock: `ContinuousClock`, read as seconds since the stopwatch was made.
public struct ContinuousStopwatch: Stopwatch {
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    public init() { origin = clock.now }

    @inline(__always)
    public mutating func seconds() -> Double {
        let d = clock.now - origin
        let (s, atto) = d.components
        return Double(s) + Double(atto) * 1e-18
    }
}
