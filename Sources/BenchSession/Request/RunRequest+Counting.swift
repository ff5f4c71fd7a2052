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

    /// The backends counts mode runs: `all` (the default) means the measured in-process ones.
    var countingBackends: String {
        measure == .counts && backends == "all" ? "measured" : backends
    }
}

extension RunConfiguration {
    /// Counts mode in the counted process (under callgrind, started by ``CountingLaunch``):
    /// the counter, no probes (a peak measured under valgrind means nothing), and only
    /// measured in-process backends.
    mutating func resolveCounting(_ request: RunRequest) throws(SessionError) {
        guard request.measure == .counts else { return }
        if let modeled = backends.first(where: { $0.kind == .modeled }) {
            throw .option(
                flag: "--backend",
                reason:
                    "\(modeled.id) is modeled, so there is nothing to count; counts mode runs measured backends (--backend measured)"
            )
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
        probes = nil
    }
}
