import BenchCore

extension ResultSet {
    /// How the measuring environments differ (CPU model, BLAS core), or `nil`.
    public static func environmentDifference(_ a: ResultSet, _ b: ResultSet, comparingBackends: Bool) -> String? {
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
}
