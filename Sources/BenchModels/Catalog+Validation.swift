import Foundation

extension Catalog {
    /// Bounds every catalog number must respect (docs/catalog.md, "Ranges"): far beyond any
    /// real device, so only a typo or a hostile file trips them, before a number can overflow
    /// the model's arithmetic.
    static let maxTFLOPS = 1e6, maxGBPerS = 1e6, maxMemoryGB = 1e6, maxWatts = 1e5, maxSRAMMiB = 1e6
    static let maxOverheadUs = 1e6, maxTile = 65_536, maxCount = 1_000_000, maxUSDPerHour = 1e4
    /// Every hourly price bench takes (catalog, `--price`, `--host-price`, a plugin's hint): from
    /// a millionth of a dollar to 10⁴ dollars an hour. Outside it is a typo or an attack, and a
    /// subnormal price would overflow the cost columns.
    public static let usdPerHourRange: ClosedRange<Double> = 1e-6...1e4
    /// ``usdPerHourRange`` as messages write it.
    public static let usdPerHourText = "[0.000001, 10000]"
    /// Checks units, kinds, dtypes, prices and references; the first problem is thrown.
    public func validate(path: String) throws(CatalogError) {
        guard schemaVersion == 1 else {
            throw .invalid(
                path: path, location: "schema_version",
                reason: "unknown schema_version \(schemaVersion) (this build reads 1)")
        }
        var names = Set<String>()
        for (i, d) in devices.enumerated() {
            let at = "devices[\(i)] (\(d.name))"
            guard names.insert(d.name).inserted else {
                throw .invalid(path: path, location: at, reason: "duplicate device name '\(d.name)'")
            }
            try d.checkRanges(path: path, at: at)
            guard Self.kinds.contains(d.kind) else {
                throw .invalid(
                    path: path, location: at,
                    reason: "unknown kind '\(d.kind)' (valid: \(Self.kinds.sorted().joined(separator: ", ")))")
            }
            for (dtype, fact) in d.peakDenseTflops {
                guard Self.dtypes.contains(dtype.rawValue) else {
                    throw .invalid(path: path, location: "\(at).peak_dense_tflops", reason: "unknown dtype '\(dtype)'")
                }
                guard fact.unit == "TFLOP/s" else {
                    throw .invalid(
                        path: path, location: "\(at).peak_dense_tflops.\(dtype)",
                        reason: "unknown unit '\(fact.unit)' (expected TFLOP/s)")
                }
                guard fact.value > 0 else {
                    throw .invalid(
                        path: path, location: "\(at).peak_dense_tflops.\(dtype)",
                        reason: "peak must be positive (got \(fact.value))")
                }
            }
            for (dtype, sparse) in d.peakSparseTflops ?? [:] {
                if let dense = d.peakDenseTflops[dtype], dense.value >= sparse.value {
                    throw .invalid(
                        path: path, location: "\(at).peak_dense_tflops.\(dtype)",
                        reason:
                            "dense peak \(dense.value) is not below the sparse peak \(sparse.value): a sparse figure used as dense?"
                    )
                }
            }
            for (name, fact) in [
                ("matmul_efficiency", d.model?.matmulEfficiency), ("memory_efficiency", d.model?.memoryEfficiency),
            ] {
                if let f = fact, !(f.value > 0 && f.value <= 1) {
                    throw .invalid(
                        path: path, location: "\(at).model.\(name)",
                        reason: "efficiency must be in (0, 1] (got \(f.value))")
                }
            }
            if let bw = d.memoryBandwidthGbPerS {
                guard ["GB/s", "GiB/s", "TB/s"].contains(bw.unit) else {
                    throw .invalid(
                        path: path, location: "\(at).memory_bandwidth_gb_per_s", reason: "unknown unit '\(bw.unit)'")
                }
                guard bw.value > 0 else {
                    throw .invalid(path: path, location: "\(at).memory_bandwidth_gb_per_s", reason: "must be positive")
                }
            }
        }
        var instanceNames = Set<String>()
        for (i, inst) in instances.enumerated() {
            let at = "instances[\(i)] (\(inst.name))"
            guard instanceNames.insert(inst.name).inserted else {
                throw .invalid(path: path, location: at, reason: "duplicate instance name '\(inst.name)'")
            }
            guard names.contains(inst.device) else {
                throw .invalid(path: path, location: at, reason: "unknown device '\(inst.device)'")
            }
            guard inst.deviceCount > 0, inst.deviceCount <= Self.maxCount else {
                throw .invalid(
                    path: path, location: "\(at).device_count",
                    reason: "must be a whole number in 1...\(Self.maxCount) (got \(inst.deviceCount))")
            }
            if let v = inst.vcpus, !(1...Self.maxCount).contains(v) {
                throw .invalid(
                    path: path, location: "\(at).vcpus",
                    reason: "must be a whole number in 1...\(Self.maxCount) (got \(v))")
            }
            for (field, fact) in [
                ("device_link_gb_per_s", inst.interconnect?.deviceLinkGbPerS),
                ("network_gbps", inst.interconnect?.networkGbps),
            ] {
                guard let v = fact?.value else { continue }
                guard v.isNormal, v > 0, v <= 1e6, ["GB/s", "GiB/s", "Gbit/s"].contains(fact?.unit ?? "") else {
                    throw .invalid(
                        path: path, location: "\(at).interconnect.\(field)",
                        reason: "must be in (0, 1000000] with unit GB/s, GiB/s or Gbit/s (got \(v) \(fact?.unit ?? ""))"
                    )
                }
            }
            for (basis, price) in inst.prices {
                guard Self.pricingFallback.contains(basis) else {
                    throw .invalid(
                        path: path, location: "\(at).prices",
                        reason:
                            "unknown pricing basis '\(basis)' (valid: \(Self.pricingFallback.joined(separator: ", ")))")
                }
                guard Self.usdPerHourRange.contains(price.usdPerHour) else {
                    throw .invalid(
                        path: path, location: "\(at).prices.\(basis)",
                        reason: "price must be in \(Self.usdPerHourText) USD per hour (got \(price.usdPerHour))")
                }
            }
        }
    }
}

extension DeviceSpec {
    /// Every number of the device within its range, finite, and whole where a count is meant.
    func checkRanges(path: String, at: String) throws(CatalogError) {
        typealias C = Catalog
        func check(
            _ fact: Fact?, _ field: String, _ range: ClosedRange<Double>, openBelow: Bool = true, whole: Bool = false
        ) throws(CatalogError) {
            guard let v = fact?.value else { return }
            let inside =
                (v == 0 || v.isNormal) && range.contains(v) && (!openBelow || v > range.lowerBound)
            guard inside, !whole || v == v.rounded() else {
                let lower = openBelow ? "(\(range.lowerBound)" : "[\(range.lowerBound)"
                throw .invalid(
                    path: path, location: "\(at).\(field)",
                    reason: "must be \(whole ? "a whole number " : "")in \(lower), \(range.upperBound)] (got \(v))")
            }
        }
        for (dtype, f) in peakDenseTflops { try check(f, "peak_dense_tflops.\(dtype)", 0...C.maxTFLOPS) }
        for (dtype, f) in peakSparseTflops ?? [:] { try check(f, "peak_sparse_tflops.\(dtype)", 0...C.maxTFLOPS) }
        try check(memoryGb, "memory_gb", 0...C.maxMemoryGB)
        if let bw = memoryBandwidthGbPerS {
            let gbPerS = (memoryBytesPerSecond ?? .infinity) / 1e9
            try check(
                Fact(value: gbPerS, unit: "GB/s", source: bw.source, date: bw.date, note: nil, format: nil),
                "memory_bandwidth_gb_per_s", 0...C.maxGBPerS)
        }
        try check(tdpWatts, "tdp_watts", 0...C.maxWatts)
        try check(idleWatts, "idle_watts", 0...C.maxWatts, openBelow: false)
        if let idle = idleWatts?.value, let tdp = tdpWatts?.value, idle >= tdp {
            throw .invalid(path: path, location: "\(at).idle_watts", reason: "must be below tdp_watts (\(tdp))")
        }
        try check(onChipSramMib, "on_chip_sram_mib", 0...C.maxSRAMMiB)
        try check(parallelRanks, "parallel_ranks", 1...64, openBelow: false, whole: true)
        guard let m = model else { return }
        try check(m.launchOverheadUs, "model.launch_overhead_us", 0...C.maxOverheadUs, openBelow: false)
        try check(m.tileM, "model.tile_m", 1...Double(C.maxTile), openBelow: false, whole: true)
        try check(m.tileN, "model.tile_n", 1...Double(C.maxTile), openBelow: false, whole: true)
        try check(m.tileK, "model.tile_k", 1...Double(C.maxTile), openBelow: false, whole: true)
        try check(m.computeUnits, "model.compute_units", 1...Double(C.maxCount), openBelow: false, whole: true)
        if m.minWorkPerUnitFlops != nil {
            throw .invalid(
                path: path, location: "\(at).model.min_work_per_unit_flops",
                reason: "removed in catalog 2026.12.02: the per-tile fixed cost tile_cost_us models it (docs/models.md)"
            )
        }
        try check(m.tileCostUs, "model.tile_cost_us", 0...C.maxOverheadUs, openBelow: false)
        try check(m.kStepLatencyNs, "model.k_step_latency_ns", 0...1e6, openBelow: false)
        try check(m.vectorTflops, "model.vector_tflops", 0...C.maxTFLOPS)
        try check(m.scalarTflops, "model.scalar_tflops", 0...C.maxTFLOPS)
        for (name, f) in [
            ("attention_efficiency", m.attentionEfficiency), ("step_efficiency", m.stepEfficiency),
        ] {
            try check(f, "model.\(name)", 0...1)
        }
        for (dtype, f) in m.dtypeEfficiency ?? [:] {
            guard C.dtypes.contains(dtype.rawValue) else {
                throw .invalid(path: path, location: "\(at).model.dtype_efficiency", reason: "unknown dtype '\(dtype)'")
            }
            // A factor on matmul_efficiency: a dtype may reach a larger fraction of its peak.
            try check(f, "model.dtype_efficiency.\(dtype)", 0...1.5)
        }
        if let st = m.defaultStack, !Stack.names.contains(st.value) {
            throw .invalid(
                path: path, location: "\(at).model.default_stack",
                reason: "unknown stack '\(st.value)' (valid: \(Stack.names.joined(separator: ", ")))")
        }
        for (name, st) in (m.stacks ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard Stack.names.contains(name) else {
                throw .invalid(
                    path: path, location: "\(at).model.stacks",
                    reason: "unknown stack '\(name)' (valid: \(Stack.names.joined(separator: ", ")))")
            }
            try check(st.matmulEfficiency, "model.stacks.\(name).matmul_efficiency", 0...1)
            try check(st.stepEfficiency, "model.stacks.\(name).step_efficiency", 0...1)
            try check(
                st.launchOverheadUs, "model.stacks.\(name).launch_overhead_us", 0...C.maxOverheadUs, openBelow: false)
            try check(st.tileCostUs, "model.stacks.\(name).tile_cost_us", 0...C.maxOverheadUs, openBelow: false)
        }
        if let a = m.attention, !["fused", "unfused"].contains(a.value) {
            throw .invalid(
                path: path, location: "\(at).model.attention", reason: "must be fused or unfused (got '\(a.value)')")
        }
        if let menu = m.tileMenu {
            guard !menu.tiles.isEmpty, !menu.splitK.isEmpty else {
                throw .invalid(
                    path: path, location: "\(at).model.tile_menu", reason: "needs at least one tile and one split_k")
            }
            for (j, t) in menu.tiles.enumerated() {
                let ok = [t.m, t.n, t.k].allSatisfy { (1...C.maxTile).contains($0) }
                guard ok, t.efficiency.isFinite, t.efficiency > 0, t.efficiency <= 1 else {
                    throw .invalid(
                        path: path, location: "\(at).model.tile_menu.tiles[\(j)]",
                        reason: "m, n, k must be in 1...\(C.maxTile) and efficiency in (0, 1]")
                }
            }
            guard menu.splitK.allSatisfy({ (1...64).contains($0) }) else {
                throw .invalid(
                    path: path, location: "\(at).model.tile_menu.split_k", reason: "every factor must be in 1...64")
            }
        }
    }
}
