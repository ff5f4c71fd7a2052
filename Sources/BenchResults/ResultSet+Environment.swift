import BenchCore

extension ResultSet {
    /// How the measuring environments differ (CPU model, BLAS core), or `nil`.
    public static func environmentDifference(_ a: ResultSet, _ b: ResultSet, comparingBackends: Bool) -> String? {
        if let ca = a.sidecar?.counting, let cb = b.sidecar?.counting, let ea = a.sidecar?.environment,
            let eb = b.sidecar?.environment
        {
            return countingDifference(ca, cb, ea, eb, comparingBackends: comparingBackends)
        }
        if let ea = a.sidecar?.environment, let eb = b.sidecar?.environment {
            var diffs: [String] = []
            if ea.cpuModel != eb.cpuModel { diffs.append("CPU '\(ea.cpuModel)' vs '\(eb.cpuModel)'") }
            if !comparingBackends, let ba = ea.blas?.coreName, let bb = eb.blas?.coreName, ba != bb {
                diffs.append("BLAS core \(ba) vs \(bb)")
            }
            if ea.compiledISA != eb.compiledISA { diffs.append("kernel ISA \(ea.compiledISA) vs \(eb.compiledISA)") }
            return diffs.isEmpty ? nil : diffs.joined(separator: ", ")
        }
        // Without sidecars: the device column. Comparing backends, only its CPU part (before " (").
        func devices(_ s: ResultSet) -> Set<String> {
            Set(
                s.rows.filter { $0.backendKind == .measured }.map { d in
                    comparingBackends
                        ? String(d.device.split(separator: "(").first ?? "").trimmingCharacters(in: .whitespaces)
                        : d.device
                })
        }
        let (da, db) = (devices(a), devices(b))
        if comparingBackends {
            return da.isDisjoint(with: db) && !da.isEmpty && !db.isEmpty
                ? "devices \(da.sorted()) vs \(db.sorted())" : nil
        }
        // Per-backend device strings: compare those of the same backend.
        var diffs: [String] = []
        let byBackendA = Dictionary(grouping: a.rows.filter { $0.backendKind == .measured }, by: \.backend).mapValues {
            Set($0.map(\.device))
        }
        let byBackendB = Dictionary(grouping: b.rows.filter { $0.backendKind == .measured }, by: \.backend).mapValues {
            Set($0.map(\.device))
        }
        for (backend, devA) in byBackendA.sorted(by: { $0.key < $1.key }) {
            if let devB = byBackendB[backend], devA != devB {
                diffs.append("\(backend) device \(devA.sorted()) vs \(devB.sorted())")
            }
        }
        return diffs.isEmpty ? nil : diffs.joined(separator: ", ")
    }

    /// Counted files: what changes counts (the valgrind, the cache model, the kernel ISA and
    /// OpenBLAS's core), not the host's CPU model: under callgrind, code runs on valgrind's
    /// synthetic CPU and the pinned cache model, not the host's.
    static func countingDifference(
        _ ca: CountingRecord, _ cb: CountingRecord, _ ea: HostEnvironment, _ eb: HostEnvironment,
        comparingBackends: Bool
    ) -> String? {
        var diffs: [String] = []
        if ca.tool != cb.tool || ca.version != cb.version {
            diffs.append("counted by \(ca.tool) \(ca.version) vs \(cb.tool) \(cb.version)")
        }
        if ca.cache != cb.cache { diffs.append("cache model \(ca.cache) vs \(cb.cache)") }
        if !comparingBackends, let ba = ea.blas?.coreName, let bb = eb.blas?.coreName, ba != bb {
            diffs.append("BLAS core \(ba) vs \(bb)")
        }
        if ea.compiledISA != eb.compiledISA { diffs.append("kernel ISA \(ea.compiledISA) vs \(eb.compiledISA)") }
        return diffs.isEmpty ? nil : diffs.joined(separator: ", ")
    }
}

extension ResultSet {
    /// Whether the file holds counted rows (`bench run --measure counts`).
    public var isCounted: Bool { rows.contains { $0.isCounted } }
    /// Whether the file holds timed measured rows.
    public var isTimed: Bool { rows.contains { $0.backendKind == .measured && $0.medianSeconds != nil } }
}
