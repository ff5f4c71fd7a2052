import Foundation

extension Sidecar {
    /// Rows encoded at a time by ``encode(to:path:)``.
    static let rowsPerBatch = 1024

    /// Writes the sidecar's JSON to `out` a batch of rows at a time, byte for byte what
    /// ``encoder`` makes of the whole document: a 400,000-row merge held the encoder's copy of
    /// every row and the whole text at once.
    public func encode(to out: ChunkedOutput, path: String) throws(ResultFileError) {
        let encoder = Self.encoder
        func encoded(_ value: some Encodable) throws(ResultFileError) -> Data {
            do { return try encoder.encode(value) } catch { throw .cannotWrite(path: path, reason: "\(error)") }
        }
        var header = self
        header.rows = []
        let text = try encoded(header)
        // The pretty printer writes the empty array as `[`, a blank line and `  ]`.
        let open = Data("\n  \"rows\" : [".utf8), empty = Data("\n\n  ]".utf8)
        guard !rows.isEmpty, let at = text.range(of: open), text[at.upperBound...].starts(with: empty) else {
            try out.write(rows.isEmpty ? text : try encoded(self))
            return
        }
        try out.write(text[..<at.upperBound])
        try out.write(Data("\n".utf8))
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + Self.rowsPerBatch)
            // The samples are written here, as the encoder writes a number: most of a measured
            // fleet's sidecar, and a quarter of merge's time through the encoder.
            var batchRows = Array(rows[start..<end])
            var samples: [[Double]?] = []
            samples.reserveCapacity(batchRows.count)
            for k in batchRows.indices {
                let xs = batchRows[k].samplesSeconds
                if !xs.isEmpty, xs.allSatisfy(\.isFinite) {
                    samples.append(xs)
                    batchRows[k].samplesSeconds = []
                } else {
                    samples.append(nil)  // none, or a non-finite one: the encoder's own way
                }
            }
            let batch = try encoded(batchRows)
            // `[\n  {…},\n  {…}\n]` → the elements, each line two spaces further in.
            let body = Self.insertingSamples(samples, into: [UInt8](batch.dropFirst(2).dropLast(2)))
            var indented: [UInt8] = [0x20, 0x20]
            indented.reserveCapacity(body.count + body.count / 8)
            var previous: UInt8 = 0
            for b in body {
                if previous == 0x0A, b != 0x0A {
                    indented.append(0x20)
                    indented.append(0x20)
                }
                indented.append(b)
                previous = b
            }
            if start > 0 { try out.write(Data(",\n".utf8)) }
            try out.write(indented)
            start = end
        }
        try out.write(text[(at.upperBound + 1)...])
    }

    /// The encoded rows of a batch (rows at indent 2) with each row's `samples_s: []` filled
    /// with `samples[k]` where it is not `nil`, formatted as the pretty printer does.
    static func insertingSamples(_ samples: [[Double]?], into text: [UInt8]) -> [UInt8] {
        guard samples.contains(where: { $0 != nil }) else { return text }
        let key = Array("\"samples_s\" : [".utf8), empty = Array("\n\n    ]".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.count + samples.reduce(0) { $0 + ($1?.count ?? 0) } * 32)
        var i = 0, row = 0
        let n = text.count
        while i < n {
            // Each row has one `samples_s` key (no string holds an unescaped quote), in row order.
            if text[i] == 0x22, i + key.count <= n, text[i..<i + key.count].elementsEqual(key) {
                out.append(contentsOf: key)
                i += key.count
                if row < samples.count, let xs = samples[row], i + empty.count <= n,
                    text[i..<i + empty.count].elementsEqual(empty)
                {
                    for (k, x) in xs.enumerated() {
                        out.append(contentsOf: k == 0 ? [0x0A] : [0x2C, 0x0A])
                        out.append(contentsOf: Array(repeating: 0x20, count: 6))
                        var t = x.description
                        if t.hasSuffix(".0") { t.removeLast(2) }  // the encoder writes 1.0 as 1
                        out.append(contentsOf: t.utf8)
                    }
                    out.append(contentsOf: Array("\n    ]".utf8))
                    i += empty.count
                }
                row += 1
                continue
            }
            out.append(text[i])
            i += 1
        }
        return out
    }
}
