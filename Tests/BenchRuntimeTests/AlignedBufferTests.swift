import BenchRuntime
import Testing

@Suite("AlignedBuffer")
struct AlignedBufferTests {
    /// Zeros of a plain type take the memset path; every other value the element-by-element one.
    @Test("fills every element with the value given, 64-byte aligned")
    func fills() {
        for count in [0, 1, 17, 4099] {
            let zeros = AlignedBuffer<Float>(count: count, repeating: 0)
            #expect(zeros.pointer.allSatisfy { $0 == 0 && $0.sign == .plus })
            #expect(Int(bitPattern: zeros.base) % 64 == 0)
            let negativeZeros = AlignedBuffer<Float>(count: count, repeating: -0.0)
            #expect(negativeZeros.pointer.allSatisfy { $0 == 0 && $0.sign == .minus })
            let nans = AlignedBuffer<Double>(count: count, repeating: .nan)
            #expect(nans.pointer.allSatisfy { $0.isNaN })
            let ones = AlignedBuffer<Int32>(count: count, repeating: 1)
            #expect(ones.pointer.allSatisfy { $0 == 1 })
            #expect(zeros.count == count && nans.count == count)
        }
    }
}

@Suite("AlignedBuffer: large blocks reused")
struct AlignedBufferReuseTests {
    /// A freed 64 MiB block comes back for the next buffer of that size, filled anew.
    @Test(
        "a freed large block is handed out again, with the new buffer's value in every element (zeros written in chunks); large blocks start on 2 MiB"
    )
    func reuse() {
        let count = ((64 << 20) + 12288) / 4  // a size no other test allocates
        var first: AlignedBuffer<Float>? = AlignedBuffer(count: count, repeating: 0)
        let address = first!.base
        first!.pointer.update(repeating: 7)
        first = nil
        let zeros = AlignedBuffer<Float>(count: count, repeating: 0)
        #expect(zeros.base == address)
        #expect(zeros.pointer.allSatisfy { $0 == 0 })
        let other = AlignedBuffer<Float>(count: count, repeating: 3)
        #expect(other.base != address)
        #expect(other.pointer.allSatisfy { $0 == 3 })
        #expect(Int(bitPattern: other.base) % (2 << 20) == 0)  // huge-page aligned
        #expect(Int(bitPattern: zeros.base) % (2 << 20) == 0)
    }
}
