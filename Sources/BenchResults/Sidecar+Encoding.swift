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
            let batch = try encoded(Array(rows[start..<end]))
            // `[\n  {…},\n  {…}\n]` → the elements, each line two spaces further in.
            let body = [UInt8](batch.dropFirst(2).dropLast(2))
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
}
