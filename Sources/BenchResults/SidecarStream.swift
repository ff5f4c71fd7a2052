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
    func read(
        decoder: JSONDecoder, row: (Int, SidecarRow) throws(Failure) -> Void
    ) throws(Failure) -> Sidecar {
        defer { try? handle.close() }
        var header: [UInt8] = []
        var batch: [UInt8] = []
        var decoded = 0
        var depth = 0
        var inString = false, escaped = false
        // Top-level keys: after `{` or `,` at depth 1 the next string is a key.
        var expectingKey = false, capturingKey = false
        var key: [UInt8] = [], lastKey: [UInt8] = []
        var awaitingValue = false
        var inRows = false, sawRows = false, cutAtComma = false
        let rowsKey = Array("rows".utf8)

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
            let rows: [SidecarRow]
            do {
                rows = try decoder.decode([SidecarRow].self, from: Data(text))
            } catch {
                throw .invalid(Self.describe(error, rowOffset: decoded))
            }
            for r in rows {
                try row(decoded, r)
                decoded += 1
            }
            batch.removeAll(keepingCapacity: true)
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
                switch b {
                case 0x22:
                    inString = true
                    if depth == 1, expectingKey {
                        expectingKey = false
                        capturingKey = true
                        key.removeAll(keepingCapacity: true)
                    } else if depth == 1 {
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
                    }
                    if depth == 0, b == 0x7B { expectingKey = true }
                    awaitingValue = false
                    depth += 1
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
                    guard depth >= 0 else { throw .invalid("a closing bracket without its opening one (byte \(i))") }
                case 0x2C:  // ,
                    if inRows, depth == 2 {
                        batch.append(contentsOf: bytes[segment..<i])
                        segment = i + 1
                        cutAtComma = true
                        if batch.count >= batchBytes { try flush(final: false) } else { batch.append(0x2C) }
                    } else if depth == 1 {
                        expectingKey = true
                        awaitingValue = false
                    }
                case 0x20, 0x0A, 0x0D, 0x09, 0x3A:  // whitespace and `:` keep the state
                    break
                default:
                    if depth == 1 { awaitingValue = false }
                }
                i += 1
            }
            if segment < n {
                if inRows {
                    batch.append(contentsOf: bytes[segment..<n])
                } else {
                    header.append(contentsOf: bytes[segment..<n])
                }
            }
        }
        if inRows || inString || depth != 0 { throw .invalid("the document ends before its last bracket closes") }
        do {
            return try decoder.decode(Sidecar.self, from: Data(header))
        } catch {
            throw .invalid(Self.describe(error, rowOffset: nil))
        }
    }

    /// A decoding error in one line, its path counted from the whole document's rows.
    static func describe(_ error: any Error, rowOffset: Int?) -> String {
        let context: DecodingError.Context?
        switch error as? DecodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        default: context = nil
        }
        guard let context else { return "\(error)" }
        var path = context.codingPath.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }
        if let offset = rowOffset, let first = context.codingPath.first?.intValue {
            path[0] = "rows[\(first + offset)]"
        } else if rowOffset != nil {
            path.insert("rows", at: 0)
        }
        var what = context.debugDescription
        if case .keyNotFound(let k, _) = error as? DecodingError { what = "no key '\(k.stringValue)'" }
        if let under = context.underlyingError { what += " (\(under))" }
        let at = path.joined().drop(while: { $0 == "." })
        return at.isEmpty ? what : "\(at): \(what)"
    }
}
