/// Why `bench project` cannot answer: one line naming what was wrong (exit 2).
public enum ProjectionError: Error, Equatable, Sendable, CustomStringConvertible {
    case badInput(String)

    public var description: String {
        switch self {
        case .badInput(let line): line
        }
    }
}
