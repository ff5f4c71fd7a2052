import Dispatch

/// A 64-byte aligned, manually managed buffer of `count` elements.
///
/// 64-byte alignment matches a cache line and an AVX-512 register.
public final class AlignedBuffer<Element> {
    public let pointer: UnsafeMutableBufferPointer<Element>

    public init(count: Int, repeating value: Element) {
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        let raw = LargeBlockCache.allocate(bytes: bytes)
        // Zeros of a plain type are written with memset: the generic element-by-element
        // initialize goes through a value witness per element when this is not specialized
        // (a Llama-3-8B layer's 872 M parameter and optimizer values took seconds that way).
        if _isPOD(Element.self) && withUnsafeBytes(of: value, { $0.allSatisfy { $0 == 0 } }) {
            Self.zero(raw, bytes: count * MemoryLayout<Element>.stride)
        } else {
            raw.bindMemory(to: Element.self, capacity: max(1, count)).initialize(repeating: value, count: count)
        }
        let typed = raw.bindMemory(to: Element.self, capacity: max(1, count))
        pointer = UnsafeMutableBufferPointer(start: typed, count: count)
    }

    /// Writes `bytes` zero bytes at `raw`; a large block in 16 MiB chunks on every core. The
    /// first write to a new page is where the kernel (and, in a virtual machine, the host) backs
    /// it: the Llama-3-8B layer's first preparation spent seconds there in one thread.
    private static func zero(_ raw: UnsafeMutableRawPointer, bytes: Int) {
        let chunk = 16 << 20
        guard bytes >= LargeBlockCache.thresholdBytes else {
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return
        }
        nonisolated(unsafe) let base = raw
        DispatchQueue.concurrentPerform(iterations: (bytes + chunk - 1) / chunk) { c in
            let start = c * chunk
            (base + start).initializeMemory(as: UInt8.self, repeating: 0, count: min(chunk, bytes - start))
        }
    }

    /// Large blocks go to ``LargeBlockCache`` for the next buffer of the same size.
    deinit {
        pointer.baseAddress.map {
            LargeBlockCache.give(UnsafeMutableRawPointer($0), bytes: max(1, count) * MemoryLayout<Element>.stride)
        }
    }

    public var count: Int { pointer.count }
    public var base: UnsafeMutablePointer<Element> { pointer.baseAddress! }
}
