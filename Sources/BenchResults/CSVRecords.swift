import Foundation

/// RFC 4180 records read straight from the file's bytes: fields separated by commas, records by
/// LF or CRLF, a quoted field may hold commas, newlines and doubled quotes.
///
/// Bench's result files reach hundreds of megabytes in a fleet; the CSV library's
/// scalar-by-scalar reader took half of `bench compare`'s time on them (docs/performance.md),
/// so the reader splits bytes and makes one `String` per field. Text that is not UTF-8 is
/// refused with its byte offset, never silently replaced.
public struct CSVRecords {
    public enum Failure: Error, Equatable {
        case notUTF8(offset: Int)
        case unterminatedQuote(offset: Int)
        case strayQuote(offset: Int)
        case unreadable(String)
    }

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    /// Byte offset in the file of `buffer[0]`.
    private var base = 0
    private var atEnd = false
    private let chunk: Int

    /// The byte offset in the file of the next record.
    public var offset: Int { base + position }

    /// Reads `path` `chunk` bytes at a time (small chunks only in tests of the boundaries).
    public init(path: String, chunk: Int = 1 << 20) throws(Failure) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw .unreadable("no such file") }
        handle = h
        self.chunk = max(1, chunk)
    }

    /// Makes sure at least one more byte is buffered; `false` at the end of the file.
    private mutating func fill() throws(Failure) -> Bool {
        if position < buffer.count { return true }
        if atEnd { return false }
        let data: Data?
        do { data = try handle.read(upToCount: chunk) } catch { throw .unreadable("\(error)") }
        guard let data, !data.isEmpty else {
            atEnd = true
            try? handle.close()
            return false
        }
        base += buffer.count
        buffer = [UInt8](data)
        position = 0
        return true
    }

    /// The next record's fields, or `nil` at the end of the file. A blank line is `[""]`.
    public mutating func next() throws(Failure) -> [String]? {
        guard try fill() else { return nil }
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, wasQuoted = false
        var fieldStart = base + position
        func finish(_ bytes: [UInt8], at offset: Int) throws(Failure) -> String {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                // The offset of the first bad byte.
                var i = 0
                var it = bytes.makeIterator(), decoder = UTF8()
                loop: while true {
                    switch decoder.decode(&it) {
                    case .scalarValue(let v): i += UTF8.width(v)
                    case .emptyInput, .error: break loop
                    }
                }
                throw .notUTF8(offset: offset + i)
            }
            return s
        }
        while try fill() {
            let b = buffer[position]
            if quoted {
                position += 1
                if b == 0x22 {  // a quote: the end of the field, or a doubled quote
                    if try fill(), buffer[position] == 0x22 {
                        field.append(0x22)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(b)
                }
                continue
            }
            switch b {
            case 0x2C:  // comma
                fields.append(try finish(field, at: fieldStart))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
                position += 1
                fieldStart = base + position
            case 0x0A:  // LF ends the record (a CR before it was dropped)
                position += 1
                fields.append(try finish(field, at: fieldStart))
                return fields
            case 0x0D:
                position += 1
                if try fill(), buffer[position] == 0x0A { continue }
                if wasQuoted { throw .strayQuote(offset: base + position - 1) }
                field.append(b)
            case 0x22:
                guard field.isEmpty, !wasQuoted else { throw .strayQuote(offset: base + position) }
                quoted = true
                wasQuoted = true
                position += 1
                fieldStart = base + position  // the field's bytes start after the quote
            default:
                // Nothing may follow a closing quote but a comma or the end of the record.
                if wasQuoted { throw .strayQuote(offset: base + position) }
                field.append(b)
                position += 1
            }
        }
        if quoted { throw .unterminatedQuote(offset: fieldStart - 1) }
        fields.append(try finish(field, at: fieldStart))
        return fields
    }
}
