import Foundation
import Yams

/// The one reader of the JSON and YAML files users hand to bench (catalogs, the validation
/// set, thresholds): the file into a Decodable, with the failure named the way every bench
/// file error is: unreadable, a syntax error with its line and column, or a field at a place
/// in the document.
///
/// YAML is a superset of JSON, so one decoder (Yams) reads both. Yams parses recursively on
/// the stack, so a document nested deeper than ``maximumDepth``, or whose aliases expand past
/// ``maximumNodes(forBytes:)``, is refused before it is parsed (see ``DocumentShape``).
public enum DataFile {
    /// Why a file could not be read.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable
        case syntax(String)
        case invalid(location: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable: "cannot read the file"
            case .syntax(let detail): detail
            case .invalid(let location, let reason): location.isEmpty ? reason : "\(location): \(reason)"
            }
        }
    }

    /// The deepest nesting of collections (block or flow, aliases expanded) bench parses; no
    /// bench file needs more than a handful of levels.
    public static let maximumDepth = 64

    /// The most nodes a document may hold once its aliases are expanded: a million, or eight per
    /// byte of the file, whichever is more. Without aliases a document holds fewer nodes than
    /// bytes, so only an alias bomb reaches it.
    public static func maximumNodes(forBytes bytes: Int) -> Int { max(1_000_000, 8 * bytes) }

    /// Decodes `T` from the JSON or YAML file at `path`.
    public static func decode<T: Decodable>(_: T.Type, path: String) -> Result<T, Failure> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return .failure(.unreadable)
        }
        return decode(T.self, text: text)
    }

    /// Decodes `T` from JSON or YAML text.
    public static func decode<T: Decodable>(_: T.Type, text: String) -> Result<T, Failure> {
        let shape = DocumentShape(maximumDepth: maximumDepth, maximumNodes: maximumNodes(forBytes: text.utf8.count))
        switch shape.excess(in: text) {
        case .depth(let line)?:
            return .failure(.syntax("nested more than \(maximumDepth) levels deep (at line \(line))"))
        case .nodes(let line)?:
            return .failure(
                .syntax(
                    "aliases expand to more than \(shape.maximumNodes) nodes (at line \(line)); write the values out"))
        case nil: break
        }
        func firstLine(_ e: Any) -> String { "\(e)".split(separator: "\n").first.map(String.init) ?? "\(e)" }
        do {
            return .success(try YAMLDecoder().decode(T.self, from: text))
        } catch let error as DecodingError {
            // Yams reports YAML/JSON syntax errors (with line and column) as the underlying error.
            if case .dataCorrupted(let context) = error, let underlying = context.underlyingError {
                return .failure(.syntax(firstLine(underlying)))
            }
            return .failure(.invalid(location: location(of: error), reason: reason(of: error)))
        } catch {
            return .failure(.syntax(firstLine(error)))
        }
    }

    /// Where in the document a decoding error is, as `.a.b[2].c`.
    public static func location(of error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            path = c.codingPath
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
            in: CharacterSet(charactersIn: "."))
    }

    /// What a decoding error says, in one line.
    public static func reason(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing required field '\(key.stringValue)'"
        case .typeMismatch(let type, _): "expected \(type)"
        case .valueNotFound(let type, _): "missing value of type \(type)"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(error)"
        }
    }
}
