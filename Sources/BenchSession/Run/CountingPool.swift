import BenchCore
import BenchResults
import BenchRun
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Counts mode's first process: counts each measured row in bench started again under
/// callgrind (``CountingLaunch``), one process per row, ``jobs`` at once.
///
/// One process per row keeps a row's counts independent of the rest of the run: the heap that a
/// row's process sees, and so its simulated cache misses, depends on that row alone, not on
/// the cases before it, the case list, or how many rows run at once. The counted process
/// writes its one row as a results file in the scratch folder; this reads it back.
public final class CountingPool: RowCountingPool, @unchecked Sendable {
    public let record: CountingRecord
    public let jobs: Int
    public let blasCoreType = CountingLaunch.blasCoreType
    let launch: CountingLaunch
    let suite: String
    let environment: [String: String]
    private let lock = NSLock()
    private var started = 0
    private var children: [ChildProcess] = []
    private var cancelled = false

    /// - Parameters:
    ///   - suite: the run's suite (the counted rows' `suite` column).
    ///   - environment: this process's; the counted processes keep part of it
    ///     (``CountingLaunch/kept(_:)``).
    ///   - jobs: the most processes at once.
    public init(
        launch: CountingLaunch, suite: String, environment: [String: String], calls: Int, jobs: Int
    ) throws(SessionError) {
        guard Valgrind.disableASLR() else { throw .input("--measure counts: the kernel refused to turn ASLR off") }
        self.launch = launch
        self.suite = suite
        self.environment = environment
        self.jobs = jobs
        record = CountingRecord(
            tool: "callgrind", version: launch.version, cache: .pinned, calls: calls, warmupCalls: 1)
    }

    public func count(caseID: String, backend: BackendID) throws -> RunOutcome {
        let child = ChildProcess()
        lock.lock()
        started += 1
        // Names of one width: the counted process's environment, and so its stack, has the
        // same size for every row and every run.
        let folder = launch.directory.appendingPathComponent(String(format: "row-%05d", started))
        let stop = cancelled
        if !stop { children.append(child) }
        lock.unlock()
        if stop { throw CountingFailure.cancelled }
        let result = folder.appendingPathComponent("row.csv")
        let output = folder.appendingPathComponent("output.txt")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw CountingFailure.noFolder(folder.path, error.localizedDescription)
        }
        var env = launch.environment(environment, folder: folder)
        env[RunRequest.countedCaseVariable] = caseID
        env[RunRequest.countedBackendVariable] = backend.rawValue
        env[RunRequest.countedResultVariable] = result.path
        // The same arguments for a row whatever this run was asked (its case list, its flags):
        // the row is named in the environment, and its case built from its id.
        let arguments = [
            "run", "--suite", suite, "--quick", "--measure", "counts", "--count-calls", "\(record.calls)",
            "--backend", backend.rawValue,
        ]
        let status = child.spawn(
            launch.arguments(arguments, folder: folder),
            environment: env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, output: output.path)
        guard let status else {
            throw CountingFailure.notStarted(launch.valgrind, String(cString: strerror(errno)))
        }
        let set: ResultSet
        do {
            set = try ResultSet(path: result.path)
        } catch {
            throw CountingFailure.noRow(
                status: status, log: Self.tail(folder.appendingPathComponent("valgrind.log")),
                output: Self.tail(output))
        }
        guard let row = set.rows.first(where: { $0.caseID == caseID && $0.backend == backend }),
            let sidecar = set.sidecarRow(for: row.key)
        else {
            throw CountingFailure.noRow(status: status, log: "", output: Self.tail(output))
        }
        if backend == .cpuBLAS, let core = set.sidecar?.environment.blas?.coreName, core != blasCoreType {
            throw CountingFailure.wrongCore(core, blasCoreType)
        }
        return RunOutcome(row: row, sidecar: sidecar)
    }

    public func cancel() {
        lock.lock()
        cancelled = true
        let running = children
        lock.unlock()
        for child in running { child.signal(SIGKILL) }
        finish()
    }

    /// Removes the scratch folder (the stripped copy, dumps and logs).
    public func finish() { try? FileManager.default.removeItem(at: launch.directory) }

    /// The last lines of a log, for a row that did not come back.
    static func tail(_ file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(6).joined(separator: " | ")
    }

    enum CountingFailure: Error, CustomStringConvertible {
        case cancelled
        case noFolder(String, String)
        case notStarted(String, String)
        case noRow(status: Int32, log: String, output: String)
        case wrongCore(String, String)

        var description: String {
            switch self {
            case .cancelled: "not counted: the run was interrupted"
            case .noFolder(let path, let why): "counts: cannot make \(path): \(why)"
            case .notStarted(let valgrind, let why): "counts: could not start \(valgrind): \(why)"
            case .noRow(let status, let log, let output):
                "the counting process ended with status \(status) and left no row"
                    + (output.isEmpty ? "" : "; its output ends: \(output)")
                    + (log.isEmpty ? "" : "; valgrind's log ends: \(log)")
            case .wrongCore(let core, let pinned):
                "OpenBLAS ran core type \(core) under callgrind, not \(pinned); this OpenBLAS build lacks it (use Debian's libopenblas0-pthread)"
            }
        }
    }
}
