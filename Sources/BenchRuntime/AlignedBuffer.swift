/// A 64-byte aligned, manually managed buffer of `count` elements.
///
/// 64-byte alignment matches a cache line and an AVX-512 register.
public final class AlignedBuffer<Element> {
    public let pointer: UnsafeMutableBufferPointer<Element>

    public init(count: Int, repeating value: Element) {
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
        let typed = raw.bindMemory(to: Element.self, capacity: max(1, count))
        typed.initialize(repeating: value, count: count)
        pointer = UnsafeMutableBufferPointer(start: typed, count: count)
    }

    deinit { pointer.baseAddress.map { UnsafeMutableRawPointer($0).deallocate() } }

    public var count: Int { pointer.count }
    public var base: UnsafeMutablePointer<Element> { pointer.baseAddress! }
}
