import BenchCore
import Foundation

/// The roofline-style time model of one device (or one CPU instance), from the catalog.
///
/// Per piece of work: compute time = FLOPs / (dense peak of the dtype × efficiency), where
/// efficiency = calibrated matmul efficiency × tile utilisation (a dimension that is not a
/// multiple of the tile wastes the rest of the tile) × wave fill (tiles spread over the
/// compute units in whole waves, so a small problem cannot fill the machine); memory time =
/// bytes / (bandwidth × memory efficiency); each piece costs max(compute, memory) plus one
/// launch overhead. Element-wise work runs at the fp32 dense peak. Deterministic: the same
/// case and catalog always give the same number. Documented in `docs/models.md`.
public struct DeviceModel: Sendable {
    public let device: DeviceSpec
    /// Devices (chips, sockets or cores) the backend stands for.
    public let count: Int

    public init(device: DeviceSpec, count: Int) {
        self.device = device
        self.count = count
    }

    /// Dense peak FLOP/s of all `count` devices for `dtype`, or `nil` when the catalog has none.
    public func peakFLOPS(_ dtype: DType) -> Double? {
        device.peakDenseTflops[dtype.rawValue].map { $0.value * 1e12 * Double(count) }
    }

    var matmulEfficiency: Double { device.model?.matmulEfficiency?.value ?? 0.7 }
    var memoryEfficiency: Double { device.model?.memoryEfficiency?.value ?? 0.8 }
    var overheadSeconds: Double { (device.model?.launchOverheadUs?.value ?? 5) * 1e-6 }
    var units: Int { max(1, Int(device.model?.computeUnits?.value ?? 1)) * count }
    var tiles: (m: Int, n: Int, k: Int) {
        (
            max(1, Int(device.model?.tileM?.value ?? 1)), max(1, Int(device.model?.tileN?.value ?? 1)),
            max(1, Int(device.model?.tileK?.value ?? 1))
        )
    }

    /// Efficiency of `count` matmuls `[m×k]·[k×n]`: matmul efficiency × tile utilisation × wave fill.
    public func matmulEfficiency(m: Int, n: Int, k: Int, count batch: Int) -> Double {
        let t = tiles
        func padded(_ x: Int, _ tile: Int) -> Double { Double((x + tile - 1) / tile * tile) }
        let utilisation = Double(m) * Double(n) * Double(k) / (padded(m, t.m) * padded(n, t.n) * padded(k, t.k))
        let tileCount = ((m + t.m - 1) / t.m) * ((n + t.n - 1) / t.n) * batch
        let waves = (tileCount + units - 1) / units
        let fill = Double(tileCount) / Double(waves * units)
        return matmulEfficiency * utilisation * fill
    }

    /// The modeled time of a case, or the reason it cannot be modeled (a dtype without a peak,
    /// a device without a memory bandwidth).
    public func estimate(_ c: KernelCase) -> Result<ModeledEstimate, ModelError> {
        guard let peak = peakFLOPS(c.dtype) else {
            let known = device.peakDenseTflops.keys.sorted().joined(separator: ", ")
            return .failure(.missingPeak(device: device.name, dtype: c.dtype.rawValue, known: known))
        }
        guard let bandwidth = device.memoryBytesPerSecond.map({ $0 * Double(count) * memoryEfficiency }) else {
            return .failure(.missingBandwidth(device: device.name))
        }
        let vectorPeak = peakFLOPS(.fp32) ?? peak
        let width = Double(c.dtype.byteWidth ?? 4)
        var compute = 0.0, memory = 0.0, overhead = 0.0
        for piece in Work.decompose(c) {
            let flopTime: Double, byteTime: Double
            switch piece {
            case .matmul(let m, let n, let k, let batch):
                let flops = 2 * Double(m) * Double(n) * Double(k) * Double(batch)
                flopTime = flops / (peak * matmulEfficiency(m: m, n: n, k: k, count: batch))
                byteTime =
                    (Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n)) * width * Double(batch)
                    / bandwidth
            case .stream(let bytes, let flops):
                flopTime = flops / (vectorPeak * matmulEfficiency)
                byteTime = bytes / bandwidth
            }
            if flopTime >= byteTime { compute += flopTime } else { memory += byteTime }
            overhead += overheadSeconds
        }
        let total = compute + memory + overhead
        let bound: Bound =
            compute >= memory && compute >= overhead ? .compute : (memory >= overhead ? .memory : .overhead)
        let notes =
            "modeled: \(device.displayName)\(count > 1 ? " ×\(count)" : ""), \(c.dtype) dense peak \(fixed(peak / 1e12, 1)) TFLOP/s; compute \(fixed(compute * 1e3, 3)) ms, memory \(fixed(memory * 1e3, 3)) ms, overhead \(fixed(overhead * 1e3, 3)) ms"
        return .success(ModeledEstimate(seconds: total, bound: bound, peakFLOPS: peak, notes: notes))
    }
}

/// Why a case cannot be modeled on a device.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPeak(device: String, dtype: String, known: String)
    case missingBandwidth(device: String)

    public var description: String {
        switch self {
        case .missingPeak(let d, let t, let k):
            "the catalog has no dense \(t) peak for \(d) (it has: \(k.isEmpty ? "none" : k))"
        case .missingBandwidth(let d): "the catalog has no memory bandwidth for \(d)"
        }
    }
}

extension DeviceModel: TimePredictor {
    /// The model's estimate for `kernelCase`, or `nil` when the device has no peak for its dtype.
    public func predict(_ kernelCase: KernelCase) -> ModeledEstimate? {
        if case .success(let e) = estimate(kernelCase) { return e }
        return nil
    }
}
