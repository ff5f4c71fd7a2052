import Foundation

/// Reads a sidecar without holding the whole document: its `rows` array is cut into batches
/// of whole elements, each decoded on its own and handed over, and the rest (environment,
/// fleet, merged sources: small) is decoded as one document with `"rows": []`.
///
/// A 400,000-row fleet file has a sidecar of hundreds of megabytes; decoding it whole held the
/// text, the decoder's index of every value and every row's objects at once (gigabytes,
/// docs/performance.md). Here at most one batch is in memory. The scanner knows only JSON's
/// strings, escapes and brackets; every byte still goes through `JSONDecoder`, so what it
/// accepts is what the decoder accepts, less documents nested deeper than ``maxDepth``.
struct SidecarStream {
    /// Deeper nesting than any sidecar has is refused before decoding (a hostile file of
    /// thousands of `[` must not recurse the decoder down the stack).
    static let maxDepth = 32

    enum Failure: Error {
        case unreadable(String)
        /// What is wrong, where (the document's own words).
        case invalid(String)
    }

    private let handle: FileHandle
    private let chunk: Int
    private let batchBytes: Int

    init(path: String, chunk: Int = 1 << 22, batchBytes: Int = 1 << 22) throws(Failure) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw .unreadable("no such file") }
        handle = h
        self.chunk = max(1, chunk)
        self.batchBytes = max(1, batchBytes)
    }

    /// Scans the file, handing each row (in order, with its index) to `row`, and returns the
    /// document with its rows left out.
    ///
    /// A row's `samples_s` (tens of numbers on a measured row, most of a fleet sidecar's bytes)
    /// is read here, number by number with the JSON grammar checked, and the decoder gets `[]`
    /// in its place: `JSONDecoder`'s generic path took most of the time of such a file.
    func read(
        decoder: JSONDecoder, row: (Int, SidecarRow) throws(Failure) -> Void
    ) throws(Failure) -> Sidecar {
        defer { try? handle.close() }
        var header: [UInt8] = []
        var batch: [UInt8] = []
        var decoded = 0
        var depth = 0
        var inString = false, escaped = false
        // Keys at depth 1 (the document's) and 3 (a row's): after `{` or `,` there, the next
        // string is a key.
        var expectingKey = false, capturingKey = false
        var key: [UInt8] = [], lastKey: [UInt8] = []
        var awaitingValue = false
        var inRows = false, sawRows = false, cutAtComma = false
        // The samples of each element of the batch, read by the scanner.
        var samples: [[Double]?] = []
        var inSamples = false, number: [CChar] = [], afterComma = false, needComma = false
        let rowsKey = Array("rows".utf8), samplesKey = Array("samples_s".utf8)

        func flush(final: Bool) throws(Failure) {
            let body = batch.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
            if body.isEmpty {
                if cutAtComma && final { throw .invalid("rows: a comma after the last row") }
                if !final { throw .invalid("rows[\(decoded)]: an empty element") }
                batch.removeAll(keepingCapacity: true)
                return
            }
            var text: [UInt8] = [0x5B]
            text.append(contentsOf: batch)
            text.append(0x5D)
            var rows: [SidecarRow]
            do {
                rows = try decoder.decode([SidecarRow].self, from: Data(text))
            } catch {
                throw .invalid(Self.describe(error, rowOffset: decoded))
            }
            guard rows.count == samples.count else {
                throw .invalid("rows[\(decoded)…]: \(rows.count) rows where the scan found \(samples.count) objects")
            }
            for k in rows.indices {
                if let xs = samples[k] { rows[k].samplesSeconds = xs }
                try row(decoded, rows[k])
                decoded += 1
            }
            batch.removeAll(keepingCapacity: true)
            samples.removeAll(keepingCapacity: true)
        }

        // The samples of the row being read, moved into `samples` when its array closes.
        var current: [Double] = []

        /// The number just read in `samples_s`, checked against JSON's grammar.
        func endNumber() throws(Failure) {
            let at = "rows[\(decoded + samples.count - 1)].samples_s"
            guard Self.isJSONNumber(number) else {
                throw .invalid(
                    "\(at): '\(String(decoding: number.map { UInt8(bitPattern: $0) }, as: UTF8.self))' is not a number")
            }
            number.append(0)
            let value = number.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
            number.removeAll(keepingCapacity: true)
            current.append(value)
        }

        while true {
            let data: Data?
            do { data = try handle.read(upToCount: chunk) } catch { throw .unreadable("\(error)") }
            guard let data, !data.isEmpty else { break }
            let bytes = [UInt8](data)
            var segment = 0  // start of the bytes not yet copied to `header` or `batch`
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if inSamples {
                    // Where, for an error's line only (not built per byte).
                    var at: String { "rows[\(decoded + samples.count - 1)].samples_s" }
                    switch b {
                    case 0x30...0x39, 0x2B, 0x2D, 0x2E, 0x45, 0x65:  // digits + - . E e
                        if number.isEmpty, needComma { throw .invalid("\(at): two numbers without a comma") }
                        guard number.count < 64 else { throw .invalid("\(at): a number of over 64 characters") }
                        number.append(CChar(bitPattern: b))
                        afterComma = false
                    case 0x20, 0x0A, 0x0D, 0x09:
                        if !number.isEmpty {
                            try endNumber()
                            needComma = true
                        }
                    case 0x2C:
                        if !number.isEmpty {
                            try endNumber()
                        } else if !needComma {
                            throw .invalid("\(at): an empty element")
                        }
                        needComma = false
                        afterComma = true
                    case 0x5D:
                        if !number.isEmpty {
                            try endNumber()
                        } else if afterComma {
                            throw .invalid("\(at): a comma after the last sample")
                        }
                        inSamples = false
                        samples[samples.count - 1] = current
                        current = []
                        segment = i  // the `]` goes to the batch after the `[` written there
                    default:
                        throw .invalid("\(at): a sample that is not a number (byte \(b))")
                    }
                    i += 1
                    continue
                }
                if inString {
                    if escaped {
                        escaped = false
                    } else if b == 0x5C {
                        escaped = true
                    } else if b == 0x22 {
                        inString = false
                        if capturingKey {
                            capturingKey = false
                            lastKey = key
                            awaitingValue = true
                        }
                    } else if capturingKey, key.count < 64 {
                        key.append(b)
                    }
                    i += 1
                    continue
                }
                let keyed = depth == 1 || (inRows && depth == 3)
                switch b {
                case 0x22:
                    inString = true
                    if keyed, expectingKey {
                        expectingKey = false
                        capturingKey = true
                        key.removeAll(keepingCapacity: true)
                    } else if keyed {
                        awaitingValue = false
                    }
                case 0x7B, 0x5B:  // { [
                    if depth == 1, awaitingValue, b == 0x5B, lastKey == rowsKey {
                        guard !sawRows else { throw .invalid("the key \"rows\" appears twice") }
                        sawRows = true
                        inRows = true
                        header.append(contentsOf: bytes[segment...i])
                        header.append(0x5D)
                        segment = i + 1
                    } else if inRows, depth == 3, awaitingValue, b == 0x5B, lastKey == samplesKey {
                        guard samples[samples.count - 1] == nil else {
                            throw .invalid("rows[\(decoded + samples.count - 1)]: the key \"samples_s\" appears twice")
                        }
                        samples[samples.count - 1] = []
                        batch.append(contentsOf: bytes[segment...i])
                        segment = i + 1
                        inSamples = true
                        afterComma = false
                        needComma = false
                        awaitingValue = false
                        i += 1
                        continue
                    }
                    if inRows, depth == 2 {
                        samples.append(nil)  // a row begins (or an element that is no row: the decoder says so)
                    }
                    awaitingValue = false
                    depth += 1
                    if (depth == 1 && b == 0x7B) || (inRows && depth == 3 && b == 0x7B) {
                        expectingKey = true
                    } else {
                        expectingKey = false
                    }
                    guard depth <= Self.maxDepth else {
                        throw .invalid("nested deeper than \(Self.maxDepth) levels (byte \(i)); not a sidecar")
                    }
                case 0x7D, 0x5D:  // } ]
                    if inRows, depth == 2 {
                        // The end of the rows array.
                        batch.append(contentsOf: bytes[segment..<i])
                        try flush(final: true)
                        inRows = false
                        segment = i + 1  // the `]` is already in the header
                    }
                    depth -= 1
                    awaitingValue = false
                    expectingKey = false
                    guard depth >= 0 else { throw .invalid("a closing bracket without its opening one (byte \(i))") }
                case 0x2C:  // ,
                    if inRows, depth == 2 {
                        batch.append(contentsOf: bytes[segment..<i])
                        segment = i + 1
                        cutAtComma = true
                        if batch.count >= batchBytes { try flush(final: false) } else { batch.append(0x2C) }
                    } else if keyed {
                        expectingKey = true
                        awaitingValue = false
                    }
                case 0x20, 0x0A, 0x0D, 0x09, 0x3A:  // whitespace and `:` keep the state
                    break
                default:
                    if keyed { awaitingValue = false }
                }
                i += 1
            }
            // Inside `samples_s` the bytes were read as numbers; none goes to the batch.
            if segment < n, !inSamples {
                if inRows {
                    batch.append(contentsOf: bytes[segment..<n])
                } else {
                    header.append(contentsOf: bytes[segment..<n])
                }
            }
        }
        if inRows || inString || depth != 0 || inSamples {
            throw .invalid("the document ends before its last bracket closes")
        }
        do {
            return try decoder.decode(Sidecar.self, from: Data(header))
        } catch {
            throw .invalid(Self.describe(error, rowOffset: nil))
        }
    }
}
