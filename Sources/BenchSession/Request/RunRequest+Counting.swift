import BenchCore
import BenchRun
import Foundation

extension RunRequest {
    /// The fewest and most calls `--count-calls` takes.
    public static let countedCallsRange = 1...1000

    /// The request's flags that counts mode cannot honour, each refused in one line with the fix.
    func checkCounting() throws(SessionError) {
        guard measure == .counts else { return }
        if let threads, threads > 1 {
            throw .option(
                flag: "--threads",
                reason:
                    "counts mode runs 1 thread (valgrind runs threads one at a time, so a pool sized by the cores changes the counts); use --threads 1 or leave it out"
            )
        }
        let names = backends.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let plugin = names.first(where: { $0.hasPrefix("plugin:") }) {
            throw .option(
                flag: "--backend",
                reason:
                    "\(plugin) runs in another process, which callgrind does not count; drop it in counts mode (time it with --measure time)"
            )
        }
        if names.contains("cpu-onednn") {
            throw .option(
                flag: "--backend",
                reason:
                    "cpu-onednn generates its kernels at run time for this CPU's widest ISA, which valgrind cannot run; drop it in counts mode (time it with --measure time)"
            )
        }
        if hostProfile != nil {
            throw .option(flag: "--with-model", reason: "predicts times, and counts mode measures none; drop it")
        }
        if requestedBLASCoreType != nil {
            throw .option(
                flag: "--blas-coretype",
                reason: "counts mode pins OpenBLAS to Haswell (a core type valgrind runs); drop the flag")
        }
        guard Self.countedCallsRange.contains(countedCalls) else {
            throw .option(
                flag: "--count-calls",
                reason:
                    "must be \(Self.countedCallsRange.lowerBound) to \(Self.countedCallsRange.upperBound) (got \(countedCalls))"
            )
        }
    }

    /// The backends counts mode runs: `all` (the default) and `measured` mean the measured
    /// in-process backends valgrind can run (cpu-blas, cpu-swift); a counted process runs its
    /// one row's.
    var countingBackends: String {
        if let row = countedRow { return row.backend }
        guard measure == .counts else { return backends }
        return backends.split(separator: ",").map {
            let name = $0.trimmingCharacters(in: .whitespaces)
            return name == "all" || name == "measured" ? "cpu-blas,cpu-swift" : name
        }.joined(separator: ",")
    }

    /// The variables that tell a counted process which row it counts and where its result goes.
    public static let countedCaseVariable = "BENCH_COUNT_CASE"
    public static let countedBackendVariable = "BENCH_COUNT_BACKEND"
    public static let countedResultVariable = "BENCH_COUNT_RESULT"

    /// In a process that ``CountingPool`` started under callgrind: the one row it counts, and
    /// the results file it writes instead of `--out` (no baseline, report or BMF there: the
    /// first process does those). `nil` anywhere else.
    public var countedRow: CountedRow? {
        guard measure == .counts, CountingLaunch.isCountedProcess(environment),
            let caseID = environment[Self.countedCaseVariable], let backend = environment[Self.countedBackendVariable],
            let result = environment[Self.countedResultVariable]
        else { return nil }
        return CountedRow(caseID: caseID, backend: backend, result: result)
    }

    /// A counted process's one case, built from its id (the process's arguments name only the
    /// suite, so that they are the same for a row whatever the first process was asked).
    func narrowedToCountedRow(_ cases: [KernelCase]) throws(SessionError) -> [KernelCase] {
        guard let row = countedRow else { return cases }
        if let known = cases.first(where: { $0.id == row.caseID }) { return [known] }
        do {
            return [try KernelRegistry.builtIn.validatedCase(row.caseID)]
        } catch {
            throw .input("--measure counts: the counted process cannot build case '\(row.caseID)': \(error)")
        }
    }
}

/// The row a counted process counts (see ``RunRequest/countedRow``).
public struct CountedRow: Sendable {
    public var caseID: String
    public var backend: String
    public var result: String
}

extension RunConfiguration {
    /// Counts mode: no probes (a peak measured under valgrind means nothing), only measured
    /// in-process backends, and in the first process the pool that counts each row in a process
    /// of its own; in a counted process (under callgrind, started by the pool) the counter.
    mutating func resolveCounting(_ request: RunRequest) throws(SessionError) {
        guard request.measure == .counts else { return }
        probes = nil
        if let modeled = backends.first(where: { $0.kind == .modeled }) {
            throw .option(
                flag: "--backend",
                reason:
                    "\(modeled.id) is modeled, so there is nothing to count; counts mode runs measured backends (--backend measured)"
            )
        }
        if let pool = request.countingPool {
            countingPool = pool
            return
        }
        guard let prefix = request.environment[CountingLaunch.dumpVariable] else {
            throw .input(
                "--measure counts: this process was not started by bench's counting launcher (\(CountingLaunch.dumpVariable) is unset)"
            )
        }
        let record = CountingRecord(
            tool: "callgrind", version: request.environment[CountingLaunch.versionVariable] ?? "valgrind",
            cache: .pinned, calls: request.countedCalls, warmupCalls: 1)
        do {
            counter = try CallgrindCounter(dumpPrefix: prefix, record: record)
        } catch {
            throw .input("--measure counts: \(error)")
        }
    }
}
