/// What callgrind counted for one call of a kernel: instructions, data accesses and the misses
/// of its simulated caches, each the mean over the counted calls.
///
/// Deterministic for a given binary, input and cache model: they do not depend on the host's
/// load, frequency or caches (the cache model is pinned, see ``CacheModel``).
public struct CallCounts: Sendable, Equatable, Codable {
    /// Instructions executed (callgrind's `Ir`).
    public var instructions: Double
    /// Data reads and writes (`Dr`, `Dw`).
    public var dataReads: Double
    public var dataWrites: Double
    /// First-level misses: instruction fetch, data read, data write (`I1mr`, `D1mr`, `D1mw`).
    public var l1InstructionMisses: Double
    public var l1DataReadMisses: Double
    public var l1DataWriteMisses: Double
    /// Last-level misses: instruction fetch, data read, data write (`ILmr`, `DLmr`, `DLmw`).
    public var llInstructionMisses: Double
    public var llDataReadMisses: Double
    public var llDataWriteMisses: Double

    public init(
        instructions: Double, dataReads: Double, dataWrites: Double, l1InstructionMisses: Double,
        l1DataReadMisses: Double, l1DataWriteMisses: Double, llInstructionMisses: Double,
        llDataReadMisses: Double, llDataWriteMisses: Double
    ) {
        self.instructions = instructions
        self.dataReads = dataReads
        self.dataWrites = dataWrites
        self.l1InstructionMisses = l1InstructionMisses
        self.l1DataReadMisses = l1DataReadMisses
        self.l1DataWriteMisses = l1DataWriteMisses
        self.llInstructionMisses = llInstructionMisses
        self.llDataReadMisses = llDataReadMisses
        self.llDataWriteMisses = llDataWriteMisses
    }

    /// Every first-level miss (instruction and data).
    public var l1Misses: Double { l1InstructionMisses + l1DataReadMisses + l1DataWriteMisses }
    /// Every last-level miss (instruction and data): the accesses that went to memory.
    public var llMisses: Double { llInstructionMisses + llDataReadMisses + llDataWriteMisses }

    /// Estimated cycles, the formula of Gungraun (formerly iai-callgrind) and of iai:
    /// `L1 hits + 5 × LL hits + 35 × RAM hits`, where the accesses are `Ir + Dr + Dw`, the L1
    /// hits those that did not miss L1, the LL hits the L1 misses that hit the last level, and
    /// the RAM hits the last-level misses. A model, not a measurement: it weighs a miss but
    /// knows no pipeline, vector width or memory bandwidth (docs/ci.md).
    public var estimatedCycles: Double {
        let accesses = instructions + dataReads + dataWrites
        let ramHits = llMisses
        let llHits = l1Misses - llMisses
        let l1Hits = accesses - l1Misses
        return l1Hits + 5 * llHits + 35 * ramHits
    }

    enum CodingKeys: String, CodingKey {
        case instructions, dataReads = "data_reads", dataWrites = "data_writes"
        case l1InstructionMisses = "l1_instruction_misses", l1DataReadMisses = "l1_data_read_misses"
        case l1DataWriteMisses = "l1_data_write_misses", llInstructionMisses = "ll_instruction_misses"
        case llDataReadMisses = "ll_data_read_misses", llDataWriteMisses = "ll_data_write_misses"
    }

    /// The documented formula, for the sidecar and the notes.
    public static let estimatedCyclesFormula =
        "(Ir + Dr + Dw - L1 misses) + 5 x (L1 misses - LL misses) + 35 x LL misses"

    /// The counts of `calls` calls, per call.
    public func perCall(_ calls: Int) -> CallCounts {
        let n = Double(max(1, calls))
        return CallCounts(
            instructions: instructions / n, dataReads: dataReads / n, dataWrites: dataWrites / n,
            l1InstructionMisses: l1InstructionMisses / n, l1DataReadMisses: l1DataReadMisses / n,
            l1DataWriteMisses: l1DataWriteMisses / n, llInstructionMisses: llInstructionMisses / n,
            llDataReadMisses: llDataReadMisses / n, llDataWriteMisses: llDataWriteMisses / n)
    }
}

/// The cache model callgrind simulates in counts mode: pinned, so counts do not depend on the
/// host's caches (callgrind otherwise reads them from the CPU).
public struct CacheModel: Sendable, Equatable, Codable, CustomStringConvertible {
    public struct Level: Sendable, Equatable, Codable {
        public var bytes: Int
        public var ways: Int
        public var lineBytes: Int

        public init(bytes: Int, ways: Int, lineBytes: Int) {
            self.bytes = bytes
            self.ways = ways
            self.lineBytes = lineBytes
        }

        /// callgrind's `--I1=`, `--D1=`, `--LL=` value: `size,associativity,line size`.
        public var option: String { "\(bytes),\(ways),\(lineBytes)" }

        enum CodingKeys: String, CodingKey {
            case bytes, ways, lineBytes = "line_bytes"
        }
    }

    public var i1: Level
    public var d1: Level
    public var ll: Level

    /// I1 and D1 32 KiB 8-way, LL 8 MiB 16-way, 64-byte lines: a typical x86 core and its share
    /// of the last level.
    public static let pinned = CacheModel(
        i1: Level(bytes: 32768, ways: 8, lineBytes: 64), d1: Level(bytes: 32768, ways: 8, lineBytes: 64),
        ll: Level(bytes: 8 << 20, ways: 16, lineBytes: 64))

    /// callgrind's options for this model.
    public var options: [String] { ["--I1=\(i1.option)", "--D1=\(d1.option)", "--LL=\(ll.option)"] }

    public var description: String { "I1 \(i1.option), D1 \(d1.option), LL \(ll.option) (bytes,ways,line)" }
}
