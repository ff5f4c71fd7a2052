import CBenchSupport
import Foundation

/// Counts what calls of a kernel execute, instead of timing them (`bench run --measure counts`).
public protocol CallCounter: AnyObject {
    /// Runs `warmup` uncounted calls, then `calls` counted ones, and returns the counts per call.
    /// `label` names the counted window (it must be unique in the run).
    func count(label: String, warmup: Int, calls: Int, _ body: () throws -> Void) throws -> CallCounts
    /// What counts and how, for the notes and the sidecar.
    var record: CountingRecord { get }
}

/// How a counts-mode run counted, recorded in the sidecar.
public struct CountingRecord: Sendable, Equatable, Codable {
    /// `callgrind`.
    public var tool: String
    /// The valgrind that ran it, e.g. `valgrind-3.19.0`.
    public var version: String
    public var cache: CacheModel
    /// Counted calls per case, after ``warmupCalls`` uncounted ones.
    public var calls: Int
    public var warmupCalls: Int
    public var estimatedCyclesFormula: String

    public init(tool: String, version: String, cache: CacheModel, calls: Int, warmupCalls: Int) {
        self.tool = tool
        self.version = version
        self.cache = cache
        self.calls = calls
        self.warmupCalls = warmupCalls
        estimatedCyclesFormula = CallCounts.estimatedCyclesFormula
    }

    enum CodingKeys: String, CodingKey {
        case tool, version, cache, calls, warmupCalls = "warmup_calls", estimatedCyclesFormula = "est_cycles_formula"
    }
}

/// Counts under callgrind, from inside the counted process: callgrind runs bench with
/// instrumentation off (`--instr-atstart=no --collect-atstart=no`), and each window switches
/// it on around the calls through client requests, then dumps the counts to a numbered file
/// that this reads back at once.
///
/// The warm-up calls run instrumented but uncollected, so the simulated caches are warm when
/// counting starts, as a timed sample's are.
public final class CallgrindCounter: CallCounter {
    /// The `--callgrind-out-file` prefix; dump `n` is `<prefix>.<n>`.
    let dumpPrefix: String
    public let record: CountingRecord
    private var dumps = 0

    /// - Throws: ``Failure/notUnderValgrind`` when this process does not run under valgrind.
    public init(dumpPrefix: String, record: CountingRecord) throws(Failure) {
        guard bench_valgrind_depth() > 0 else { throw .notUnderValgrind }
        self.dumpPrefix = dumpPrefix
        self.record = record
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notUnderValgrind
        case unreadableDump(path: String, reason: String)
        case wrongDump(path: String, expected: String, found: String?)

        public var description: String {
            switch self {
            case .notUnderValgrind:
                "counts mode runs under valgrind's callgrind: run bench run --measure counts, which starts it"
            case .unreadableDump(let path, let reason): "callgrind dump \(path): \(reason)"
            case .wrongDump(let path, let expected, let found):
                "callgrind dump \(path) is labelled '\(found ?? "(none)")', not '\(expected)'"
            }
        }
    }

    public func count(label: String, warmup: Int, calls: Int, _ body: () throws -> Void) throws -> CallCounts {
        bench_callgrind_start_instrumentation()
        defer { bench_callgrind_stop_instrumentation() }
        for _ in 0..<warmup { try body() }
        bench_callgrind_zero_stats()
        bench_callgrind_toggle_collect()
        do {
            for _ in 0..<calls { try body() }
        } catch {
            bench_callgrind_toggle_collect()
            bench_callgrind_zero_stats()
            throw error
        }
        bench_callgrind_toggle_collect()
        label.withCString { bench_callgrind_dump_stats_at($0) }
        dumps += 1
        let path = "\(dumpPrefix).\(dumps)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure.unreadableDump(path: path, reason: "\(error.localizedDescription)")
        }
        let dump: CallgrindDump
        do { dump = try CallgrindDump.parse(text[...]) } catch {
            throw Failure.unreadableDump(path: path, reason: error.reason)
        }
        guard dump.label == label else { throw Failure.wrongDump(path: path, expected: label, found: dump.label) }
        do { return try dump.counts(calls: calls) } catch {
            throw Failure.unreadableDump(path: path, reason: error.reason)
        }
    }
}

/// This process and valgrind.
public enum Valgrind {
    /// Whether this process runs under valgrind.
    public static var isRunning: Bool { bench_valgrind_depth() > 0 }

    /// Turns address-space randomisation off for the programs this process starts from now on
    /// (what `setarch -R` does); `false` when the kernel refused.
    public static func disableASLR() -> Bool { bench_disable_aslr() == 0 }
}
