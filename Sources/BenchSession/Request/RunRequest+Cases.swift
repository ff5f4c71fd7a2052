import BenchCore
import Foundation

extension RunRequest {
    /// The suite's cases filtered by `--dtype` and `--case`, plus every `--add-case` (which runs
    /// whatever the filters say: it was asked for by name); refuses cases whose buffers cannot
    /// fit in memory before anything is allocated.
    static func cases(of suite: any Suite, request: RunRequest) throws(SessionError) -> [KernelCase] {
        var added: [KernelCase] = []
        for id in request.addedCases {
            do {
                let extra = try KernelRegistry.builtIn.validatedCase(id)
                if !added.contains(extra) { added.append(extra) }
            } catch {
                throw .option(flag: "--add-case", reason: "\(error)")
            }
        }
        var cases = try filtered(suite.cases(request.preset), of: suite, request: request, added: !added.isEmpty)
        for extra in added where !cases.contains(extra) { cases.append(extra) }
        let available = HostProbe.memory().available
        for kc in cases {
            guard let spec = KernelRegistry.builtIn.spec(named: kc.kernel) else { continue }
            let need = spec.bufferBytes(kc)
            if need > available {
                throw .input(CaseError.tooLarge(caseID: kc.id, bytes: need, available: available).description)
            }
        }
        return cases
    }

    /// The suite's cases that `--dtype` and `--case` keep; none left is an error unless cases
    /// were added by name.
    private static func filtered(
        _ suiteCases: [KernelCase], of suite: any Suite, request: RunRequest, added: Bool
    ) throws(SessionError) -> [KernelCase] {
        var cases = suiteCases
        if let wanted = request.dtypes {
            let known = Set(KernelRegistry.builtIn.specs.flatMap(\.dtypes))
            if let unknown = wanted.first(where: { !known.contains($0) }) {
                throw .option(
                    flag: "--dtype",
                    reason:
                        "unknown dtype '\(unknown)' (valid: \(known.sorted().map(\.rawValue).joined(separator: ", ")))")
            }
            cases = cases.filter { wanted.contains($0.dtype) }
        }
        if let text = request.casePattern {
            let pattern: CasePattern
            do {
                pattern = try CasePattern(text)
            } catch {
                throw .option(flag: "--case", reason: "\(error)")
            }
            var kept: [KernelCase] = []
            for kc in cases {
                do {
                    if try pattern.matches(kc.id) { kept.append(kc) }
                } catch {
                    throw .option(flag: "--case", reason: "\(error)")
                }
            }
            cases = kept
            guard !cases.isEmpty || added else {
                let quick = request.preset.flags
                throw .option(
                    flag: "--case",
                    reason:
                        "'\(text)' matches no case of suite \(suite.name)\(quick) (see 'bench list --suite \(suite.name)\(quick)')"
                )
            }
        }
        guard !cases.isEmpty || added else {
            throw .option(flag: "--dtype", reason: "no case left to run after --dtype filtering")
        }
        return cases
    }
}
