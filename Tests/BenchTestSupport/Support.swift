import BenchCore
import BenchResults
import BenchRun
import BenchTraining
import Foundation

/// A stopwatch that advances only when told to: unit tests never time real work.
public final class FakeClock: @unchecked Sendable {
    public var now = 0.0
    public init() {}
}

/// A ``Stopwatch`` reading a shared ``FakeClock``.
public struct FakeStopwatch: Stopwatch, Sendable {
    public let clock: FakeClock
    public init(_ clock: FakeClock) { self.clock = clock }
    public mutating func seconds() -> Double { clock.now }
}

/// A backend whose GEMM is any closure: correct, deliberately wrong, or failing.
public final class ScriptedBackend: Backend {
    public let id: BackendID
    public let kind: BackendKind
    public let device = "scripted test device"
    public let dtypes: [DType]
    let compute: (GEMMProblem<Double>) throws -> Void
    /// Scripted time: each call advances this clock by ``secondsPerCall`` (no real timing).
    let clock: FakeClock?
    let secondsPerCall: Double

    public init(
        id: String = "scripted", kind: BackendKind = .measured, dtypes: [DType] = [.fp64],
        clock: FakeClock? = nil, secondsPerCall: Double = 0,
        compute: @escaping (GEMMProblem<Double>) throws -> Void = ScriptedBackend.naive
    ) {
        self.id = BackendID(id)
        self.kind = kind
        self.dtypes = dtypes
        self.clock = clock
        self.secondsPerCall = secondsPerCall
        self.compute = compute
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? { dtypeUnsupportedReason(for: kernelCase) }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        let problem = GEMMProblem<Double>(kernelCase)
        return ScriptedCase(problem: problem, compute: compute, clock: clock, secondsPerCall: secondsPerCall)
    }

    /// A textbook triple loop: the reference.
    public static func naive(_ p: GEMMProblem<Double>) {
        naive(p, droppingLastTerm: false)
    }

    /// The triple loop, optionally skipping `k = K−1`: a realistic off-by-one bug.
    public static func naive(_ p: GEMMProblem<Double>, droppingLastTerm: Bool) {
        let (m, n, k) = (p.shape.m, p.shape.n, p.shape.k)
        let kEnd = droppingLastTerm ? k - 1 : k
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for q in 0..<kEnd { s += p.a.base[i * k + q] * p.b.base[q * n + j] }
                p.c.base[i * n + j] = s
            }
        }
    }
}

final class ScriptedCase: PreparedCase {
    let problem: GEMMProblem<Double>
    let compute: (GEMMProblem<Double>) throws -> Void
    let clock: FakeClock?
    let secondsPerCall: Double
    init(
        problem: GEMMProblem<Double>, compute: @escaping (GEMMProblem<Double>) throws -> Void, clock: FakeClock?,
        secondsPerCall: Double
    ) {
        self.problem = problem
        self.compute = compute
        self.clock = clock
        self.secondsPerCall = secondsPerCall
    }
    func run() throws {
        try compute(problem)
        clock?.now += secondsPerCall
    }
    func verify() -> Verification { problem.verify() }
}

/// Builds result rows with plausible values; tests override what they check.
public func makeRow(
    caseID: String = "gemm/fp32/M=64,N=64,K=64", backend: String = "cpu-blas", threads: Int = 1,
    status: RowStatus = .ok, median: Double? = 0.001, notes: String = "ok, with a comma"
) -> ResultRow {
    let kc = try? KernelCase(parsing: caseID)
    return ResultRow(
        runID: "00000000-0000-0000-0000-000000000001", timestamp: "2026-11-26T00:00:00Z", suite: "matmul",
        caseID: caseID, kernel: kc?.kernel ?? "gemm", dtype: kc?.dtype ?? .fp32, shape: kc?.shape ?? "",
        backend: BackendID(backend), backendKind: .measured, device: "test CPU", threads: threads, status: status,
        samples: median == nil ? 0 : 10, medianSeconds: median, p10Seconds: median.map { $0 * 0.99 },
        p90Seconds: median.map { $0 * 1.02 }, ciLowSeconds: median.map { $0 * 0.995 },
        ciHighSeconds: median.map { $0 * 1.005 }, flops: 524288, bytes: 49152,
        tflops: median.map { 524288 / $0 / 1e12 }, throughput: median.map { 1 / $0 }, throughputUnit: "calls/s",
        notes: notes)
}

/// A fresh temporary directory.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bench-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A plausible host environment for sidecars built in tests.
public func testEnvironment() -> HostEnvironment {
    HostEnvironment(
        cpuModel: "test CPU", cpuFlags: ["avx2"], logicalCores: 2, threads: 1, memoryBytes: 1 << 30, os: "Debian",
        kernel: "Linux 6", swiftVersion: "6.3.1", compiledISA: "avx2", kernelVariant: "test", blas: nil,
        harnessVersion: "0.1.0", gitCommit: "abc", commandLine: ["bench"], peak: [], noise: nil)
}

/// How many times the fuzz tests' default iteration count to run: `BENCH_FUZZ_SCALE=N` (1…1000)
/// runs a longer search on demand; CI runs the default (1), well under a minute.
/// `text` with one byte damaged at a random place: cut there, or flipped.
public func byteDamaged(_ text: String, _ rng: inout SplitMix64) -> String {
    var bytes = [UInt8](text.utf8)
    guard !bytes.isEmpty else { return text }
    let at = Int(rng.next() % UInt64(bytes.count))
    if rng.next() % 2 == 0 {
        bytes = Array(bytes.prefix(at))
    } else {
        bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
    }
    return String(decoding: bytes, as: UTF8.self)
}

public func fuzzScale() -> Int {
    guard let text = ProcessInfo.processInfo.environment["BENCH_FUZZ_SCALE"], let n = Int(text) else { return 1 }
    return min(max(n, 1), 1000)
}

/// A thread-safe call counter for `@Sendable` closures in tests.
public final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    /// The count so far.
    public var value: Int { lock.withLock { count } }

    /// Adds one and returns the new count.
    @discardableResult
    public func increment() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
}
