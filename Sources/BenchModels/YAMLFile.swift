import Foundation
import Yams

/// Reads a JSON or YAML file (YAML is a superset of JSON; Yams reads both) into a Decodable,
/// with the failure named the way every bench file error is: unreadable, a syntax error with
/// its line and column, or a field at a place in the document.
enum YAMLFile {
    enum Failure: Error {
        case unreadable
        case syntax(String)
        case invalid(location: String, reason: String)
    }

    static func decode<T: Decodable>(_: T.Type, path: String) -> Result<T, Failure> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return .failure(.unreadable)
        }
        func firstLine(_ e: Any) -> String { "\(e)".split(separator: "\n").first.map(String.init) ?? "\(e)" }
        do {
            return .success(try YAMLDecoder().decode(T.self, from: text))
        } catch let error as DecodingError {
            // Yams reports YAML/JSON syntax errors (with line and column) as the underlying error.
            if case .dataCorrupted(let context) = error, let underlying = context.underlyingError {
                return .failure(.syntax(firstLine(underlying)))
            }
            return .failure(.invalid(location: Catalog.location(of: error), reason: Catalog.reason(of: error)))
        } catch {
            return .failure(.syntax(firstLine(error)))
        }
    }
}
