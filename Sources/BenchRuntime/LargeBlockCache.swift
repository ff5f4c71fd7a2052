import Foundation
import Synchronization

/// Keeps large freed blocks (64 MiB and up) for the next allocation of the same size.
///
/// A Llama-3-8B layer's step allocates 3.5 GB of parameters, gradients and optimizer state, and
/// bench prepares a case afresh for each backend in each of its rounds: every preparation paid
/// for fresh pages, which the kernel faults in and clears (a quarter of that case's wall time on
/// a 2-vCPU Zen 5, `clear_page_erms` and the page faults). A kept block comes back already
/// mapped. At most ``limitBytes`` are kept, the oldest blocks given back first; the blocks hold
/// no values anyone reads (``AlignedBuffer`` fills every block it hands out).
enum LargeBlockCache {
    static let thresholdBytes = 64 << 20
    /// A quarter of physical memory, at most 8 GiB.
    static let limitBytes = min(8 << 30, Int(ProcessInfo.processInfo.physicalMemory / 4))

    /// A block's address and size; a kept block belongs to no one until ``take(bytes:)``
    /// hands it out, so it may cross threads.
    struct Block: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let bytes: Int
    }

    static let blocks = Mutex<[Block]>([])

    /// Huge-page size on x86-64 and arm64 Linux (4 KiB base pages).
    static let hugePageBytes = 2 << 20

    /// A kept block of exactly `bytes`, or a new one. A new block of ``thresholdBytes`` or more
    /// starts on a 2 MiB boundary and asks for transparent huge pages (`MADV_HUGEPAGE`; most
    /// distributions, Debian included, give them only where asked): the kernel then faults it in
    /// 2 MiB at a time, not 4 KiB (the Llama-3-8B layer's first preparation spent seconds in a
    /// million page faults). Where huge pages are off the advice is ignored.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if let kept = take(bytes: bytes) { return kept }
        guard bytes >= thresholdBytes else { return .allocate(byteCount: bytes, alignment: 64) }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: hugePageBytes)
        #if os(Linux)
            _ = madvise(pointer, bytes, Int32(MADV_HUGEPAGE))
        #endif
        return pointer
    }

    /// A kept block of exactly `bytes`, or nil.
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= thresholdBytes else { return nil }
        let block: Block? = blocks.withLock { kept in
            guard let i = kept.firstIndex(where: { $0.bytes == bytes }) else { return nil }
            return kept.remove(at: i)
        }
        return block?.pointer
    }

    /// Keeps `pointer` (`bytes` long) for a later ``take(bytes:)``, or frees it.
    static func give(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= thresholdBytes, bytes <= limitBytes else {
            pointer.deallocate()
            return
        }
        let given = Block(pointer: pointer, bytes: bytes)
        let evicted: [Block] = blocks.withLock { kept in
            kept.append(given)
            var total = kept.reduce(0) { $0 + $1.bytes }
            var out: [Block] = []
            while total > limitBytes, !kept.isEmpty {
                let oldest = kept.removeFirst()
                total -= oldest.bytes
                out.append(oldest)
            }
            return out
        }
        for block in evicted { block.pointer.deallocate() }
    }
}
