import Foundation

/// The sidecar scanner's words: the JSON number grammar it checks samples against, and a
/// decoding error told in one line with its place in the whole document.
extension SidecarStream {
    /// Whether `text` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isJSONNumber(_ text: [CChar]) -> Bool {
        var i = 0
        let n = text.count
        func digit(_ k: Int) -> Bool { k < n && text[k] >= 0x30 && text[k] <= 0x39 }
        if i < n, text[i] == 0x2D { i += 1 }
        guard digit(i) else { return false }
        if text[i] == 0x30 {
            i += 1
        } else {
            while digit(i) { i += 1 }
        }
        if i < n, text[i] == 0x2E {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < n, text[i] == 0x45 || text[i] == 0x65 {
            i += 1
            if i < n, text[i] == 0x2B || text[i] == 0x2D { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
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
