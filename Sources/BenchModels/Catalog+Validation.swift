import Foundation

extension Catalog {
    /// Checks units, kinds, dtypes, prices and references; the first problem is thrown.
    public func validate(path: String) throws(CatalogError) {
        guard schemaVersion == 1 else { throw .invalid(path: path, location: "schema_version", reason: "unknown schema_version \(schemaVersion) (this build reads 1)") }
        var names = Set<String>()
        for (i, d) in devices.enumerated() {
            let at = "devices[\(i)] (\(d.name))"
            guard names.insert(d.name).inserted else { throw .invalid(path: path, location: at, reason: "duplicate device name '\(d.name)'") }
            guard Self.kinds.contains(d.kind) else {
                throw .invalid(path: path, location: at, reason: "unknown kind '\(d.kind)' (valid: \(Self.kinds.sorted().joined(separator: ", ")))")
            }
            for (dtype, fact) in d.peakDenseTflops {
                guard Self.dtypes.contains(dtype) else { throw .invalid(path: path, location: "\(at).peak_dense_tflops", reason: "unknown dtype '\(dtype)'") }
                guard fact.unit == "TFLOP/s" else { throw .invalid(path: path, location: "\(at).peak_dense_tflops.\(dtype)", reason: "unknown unit '\(fact.unit)' (expected TFLOP/s)") }
                guard fact.value > 0 else { throw .invalid(path: path, location: "\(at).peak_dense_tflops.\(dtype)", reason: "peak must be positive (got \(fact.value))") }
            }
            for (dtype, sparse) in d.peakSparseTflops ?? [:] {
                if let dense = d.peakDenseTflops[dtype], dense.value >= sparse.value {
                    throw .invalid(path: path, location: "\(at).peak_dense_tflops.\(dtype)",
                                   reason: "dense peak \(dense.value) is not below the sparse peak \(sparse.value): a sparse figure used as dense?")
                }
            }
            for (name, fact) in [("matmul_efficiency", d.model?.matmulEfficiency), ("memory_efficiency", d.model?.memoryEfficiency)] {
                if let f = fact, !(f.value > 0 && f.value <= 1) {
                    throw .invalid(path: path, location: "\(at).model.\(name)", reason: "efficiency must be in (0, 1] (got \(f.value))")
                }
            }
            if let bw = d.memoryBandwidthGbPerS {
                guard ["GB/s", "GiB/s", "TB/s"].contains(bw.unit) else { throw .invalid(path: path, location: "\(at).memory_bandwidth_gb_per_s", reason: "unknown unit '\(bw.unit)'") }
                guard bw.value > 0 else { throw .invalid(path: path, location: "\(at).memory_bandwidth_gb_per_s", reason: "must be positive") }
            }
        }
        var instanceNames = Set<String>()
        for (i, inst) in instances.enumerated() {
            let at = "instances[\(i)] (\(inst.name))"
            guard instanceNames.insert(inst.name).inserted else { throw .invalid(path: path, location: at, reason: "duplicate instance name '\(inst.name)'") }
            guard names.contains(inst.device) else { throw .invalid(path: path, location: at, reason: "unknown device '\(inst.device)'") }
            guard inst.deviceCount > 0 else { throw .invalid(path: path, location: at, reason: "device_count must be positive") }
            for (basis, price) in inst.prices {
                guard Self.pricingFallback.contains(basis) else {
                    throw .invalid(path: path, location: "\(at).prices", reason: "unknown pricing basis '\(basis)' (valid: \(Self.pricingFallback.joined(separator: ", ")))")
                }
                guard price.usdPerHour > 0, price.usdPerHour.isFinite else {
                    throw .invalid(path: path, location: "\(at).prices.\(basis)", reason: "price must be positive (got \(price.usdPerHour))")
                }
            }
        }
    }
}
