import Foundation

/// Reads a large JSON document as a stream, in bounded memory: the caller walks its objects
/// key by key, skips what it does not need without keeping it, and takes the few values it
/// wants as byte ranges to decode with `JSONDecoder` (AWS Price List offer files are hundreds
/// of MB; bench keeps a few KB of them).
///
/// Only the bytes of the value being taken stay in memory beyond the read chunk. Strings are
/// scanned for their closing quote (escapes honoured); numbers and literals are skipped by
/// their characters. Errors name the byte offset.
public final class JSONStream {
    /// Why the document cannot be read.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case truncated(offset: Int)
        case unexpected(offset: Int, expected: String, found: String)

        public var description: String {
            switch self {
            case .unreadable(let why): "cannot read the file: \(why)"
            case .truncated(let offset): "the JSON ends at byte \(offset) before the document does (truncated?)"
            case .unexpected(let offset, let expected, let found):
                "not the expected JSON at byte \(offset): expected \(expected), found \(found)"
            }
        }
    }

    private let handle: FileHandle
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    /// Bytes dropped from the front of `buffer` so far (for offsets in messages).
    private var dropped = 0
    /// While taking a value: where it started in `buffer` (nothing before it may be dropped).
    private var mark: Int?
    private var atEnd = false

    /// Opens `path` for streaming; `chunkSize` bytes are read at a time.
    public init(path: String, chunkSize: Int = 4 << 20) throws(Failure) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw .unreadable("no such readable file") }
        handle = h
        self.chunkSize = chunkSize
    }

    deinit { try? handle.close() }

    /// The byte offset of the next byte, from the start of the file.
    public var offset: Int { dropped + position }

    // MARK: Walking objects

    /// Expects `{`; then call ``nextKey()`` until it returns `nil`.
    public func beginObject() throws(Failure) { try expect(UInt8(ascii: "{"), "an object") }

    /// The next key of the object being walked (its value follows: skip it, take it or walk
    /// into it), or `nil` at the object's end.
    public func nextKey() throws(Failure) -> String? {
        guard let c = try nextMember(closing: UInt8(ascii: "}")) else { return nil }
        guard c == UInt8(ascii: "\"") else { throw unexpected("a key", c) }
        let key = try readString()
        try expect(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    /// Expects `[`; then call ``nextElement()`` until it returns `false`.
    public func beginArray() throws(Failure) { try expect(UInt8(ascii: "["), "a list") }

    /// Whether the list being walked has another element (which follows: skip it, take it or
    /// walk into it); `false` at the list's end.
    public func nextElement() throws(Failure) -> Bool {
        try nextMember(closing: UInt8(ascii: "]")) != nil
    }

    /// Past the separator to the next member of a container, and its first byte; `nil` (and
    /// past it) at the container's `closing` byte.
    private func nextMember(closing: UInt8) throws(Failure) -> UInt8? {
        var c = try peekSignificant()
        if c == closing {
            position += 1
            return nil
        }
        if c == UInt8(ascii: ",") {
            position += 1
            c = try peekSignificant()
        }
        return c
    }

    /// The kind of the next value: `{`, `[`, `"`, or another byte for a scalar.
    public func peekKind() throws(Failure) -> UInt8 { try peekSignificant() }

    /// Skips the next value (of any size) without keeping it.
    public func skipValue() throws(Failure) {
        let c = try peekSignificant()
        switch c {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["): try skipContainer()
        default: try skipScalar()
        }
    }

    /// The next value's bytes (a whole object, list, string or scalar), to decode.
    public func takeValue() throws(Failure) -> [UInt8] {
        _ = try peekSignificant()
        mark = position
        defer { mark = nil }
        try skipValue()
        guard let start = mark else { return [] }
        return Array(buffer[start..<position])
    }

    /// The next value, which must be a string.
    public func stringValue() throws(Failure) -> String {
        let c = try peekSignificant()
        guard c == UInt8(ascii: "\"") else { throw unexpected("a string", c) }
        return try readString()
    }

    /// Whether only white space is left.
    public func isAtEndOfDocument() throws(Failure) -> Bool {
        while true {
            if position >= buffer.count, !(try fill()) { return true }
            let c = buffer[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                position += 1
            } else {
                return false
            }
        }
    }

    // MARK: Bytes

    /// Reads the next chunk; `false` at the end of the file.
    private func fill() throws(Failure) -> Bool {
        if atEnd { return false }
        // Drop what has been consumed (and is not being taken) before growing the buffer.
        let keep = mark ?? position
        if keep > 0 {
            buffer.removeSubrange(0..<keep)
            dropped += keep
            position -= keep
            if mark != nil { mark = 0 }
        }
        let data: Data?
        do {
            data = try handle.read(upToCount: chunkSize)
        } catch {
            throw .unreadable("\(error)")
        }
        guard let data, !data.isEmpty else {
            atEnd = true
            return false
        }
        buffer.append(contentsOf: data)
        return true
    }

    private func next() throws(Failure) -> UInt8 {
        if position >= buffer.count, !(try fill()) { throw .truncated(offset: offset) }
        let c = buffer[position]
        position += 1
        return c
    }

    private func peekSignificant() throws(Failure) -> UInt8 {
        while true {
            if position >= buffer.count, !(try fill()) { throw .truncated(offset: offset) }
            let c = buffer[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                position += 1
            } else {
                return c
            }
        }
    }

    private func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        let c = try peekSignificant()
        guard c == byte else { throw unexpected(what, c) }
        position += 1
    }

    private func unexpected(_ what: String, _ c: UInt8) -> Failure {
        let shown = c >= 0x20 && c < 0x7F ? "'\(Character(UnicodeScalar(c)))'" : String(format: "byte 0x%02x", c)
        return .unexpected(offset: offset, expected: what, found: shown)
    }

    /// Reads a string at the position (its opening quote next) and decodes its escapes.
    private func readString() throws(Failure) -> String {
        let start = offset
        position += 1  // the opening quote
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        var escaped = false
        while true {
            let c = try next()
            bytes.append(c)
            if escaped {
                escaped = false
            } else if c == UInt8(ascii: "\\") {
                escaped = true
            } else if c == UInt8(ascii: "\"") {
                break
            }
        }
        if !bytes.contains(UInt8(ascii: "\\")) { return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self) }
        guard let s = try? JSONDecoder().decode(String.self, from: Data(bytes)) else {
            throw .unexpected(offset: start, expected: "a valid string", found: "a bad escape")
        }
        return s
    }

    private func skipString() throws(Failure) {
        position += 1
        var escaped = false
        while true {
            let c = try next()
            if escaped {
                escaped = false
            } else if c == UInt8(ascii: "\\") {
                escaped = true
            } else if c == UInt8(ascii: "\"") {
                return
            }
        }
    }

    private func skipContainer() throws(Failure) {
        var depth = 0
        while true {
            let c = try next()
            switch c {
            case UInt8(ascii: "\""):
                position -= 1
                try skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return }
            default: break
            }
        }
    }

    private func skipScalar() throws(Failure) {
        let first = try peekSignificant()
        let allowed: (UInt8) -> Bool = { c in
            (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "E")
        }
        guard allowed(first) else { throw unexpected("a value", first) }
        while true {
            if position >= buffer.count, !(try fill()) { return }
            guard allowed(buffer[position]) else { return }
            position += 1
        }
    }
}
