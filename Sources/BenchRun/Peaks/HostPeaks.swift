import BenchCore
import Foundation

/// The run's measured peak FLOP/s per dtype, shared by a runner's copies and read by whoever
/// writes the sidecar or prints the peak, so they all agree with the rows' MFU. A raise is
/// handed to `onRaise` as it happens (the session turns it into a reporter event).
public final class HostPeaks: @unchecked Sendable {
    /// A re-probe that raised a peak: a disturbed probe reads low, never high.
    public struct Raise: Sendable, Equatable {
        public var dtype: DType
        public var fromFLOPS: Double
        public var toFLOPS: Double

        public init(dtype: DType, fromFLOPS: Double, toFLOPS: Double) {
            self.dtype = dtype
            self.fromFLOPS = fromFLOPS
            self.toFLOPS = toFLOPS
        }
    }

    private let lock = NSLock()
    private var rates: [DType: Double]
    private var raiseLog: [Raise] = []
    private let onRaise: @Sendable (Raise) -> Void

    public init(_ rates: [DType: Double], onRaise: @escaping @Sendable (Raise) -> Void = { _ in }) {
        self.rates = rates
        self.onRaise = onRaise
    }

    /// The peaks now, per dtype.
    public var current: [DType: Double] {
        lock.lock()
        defer { lock.unlock() }
        return rates
    }

    /// Every raise so far, in order.
    public var raises: [Raise] {
        lock.lock()
        defer { lock.unlock() }
        return raiseLog
    }

    func rate(for dtype: DType) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        return rates[dtype]
    }

    /// Keeps the larger of the current peak and `probed`; returns the peak now in use.
    @discardableResult
    func raise(_ dtype: DType, to probed: Double) -> Double {
        lock.lock()
        let old = rates[dtype] ?? 0
        guard probed > old else {
            lock.unlock()
            return old
        }
        rates[dtype] = probed
        let raise = Raise(dtype: dtype, fromFLOPS: old, toFLOPS: probed)
        raiseLog.append(raise)
        lock.unlock()
        onRaise(raise)
        return probed
    }
}
