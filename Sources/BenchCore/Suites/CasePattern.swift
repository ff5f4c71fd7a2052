import Foundation

/// A regular expression over case ids (`--case`, a thresholds entry's `case`), with its work
/// bounded: a pattern with nested quantifiers (`((.*)*)*Z`) backtracks exponentially, and bench
/// must answer in one line rather than hang.
///
/// Matching runs with `NSRegularExpression`'s progress reports and stops at ``timeLimit``
/// seconds per id; the pattern is at most ``maximumLength`` characters, and is tried once on a
/// long case-id-like probe when it is made, so a pathological one is refused before any work.
public struct CasePattern: @unchecked Sendable {
    /// Why a pattern cannot be used.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        case tooLong(Int)
        case tooSlow(String)

        public var description: String {
            switch self {
            case .invalid(let p): "'\(p)' is not a valid regular expression"
            case .tooLong(let n):
                "a pattern of \(n) characters is longer than the \(CasePattern.maximumLength) bench takes"
            case .tooSlow(let p):
                "'\(p)' takes too long to match (nested quantifiers such as (.*)* backtrack exponentially); simplify it"
            }
        }
    }

    public static let maximumLength = 1000
    /// Seconds one id may take to match.
    public static let timeLimit = 0.25
    /// What a case id can look like at its longest, for the probe.
    static let probe = String(repeating: "gemm/fp32/M=4096,N=4096,K=4096;", count: 3)

    public let text: String
    private let regex: NSRegularExpression

    public init(_ text: String) throws(Failure) {
        guard text.count <= Self.maximumLength else { throw .tooLong(text.count) }
        do {
            regex = try NSRegularExpression(pattern: text)
        } catch {
            throw .invalid(String(text.prefix(80)))
        }
        self.text = text
        _ = try matches(Self.probe)
    }

    /// Whether the pattern matches somewhere in `id`.
    public func matches(_ id: String) throws(Failure) -> Bool {
        let start = Date()
        var found = false, slow = false
        regex.enumerateMatches(in: id, options: [.reportProgress], range: NSRange(id.startIndex..., in: id)) {
            match, _, stop in
            if match != nil {
                found = true
                stop.pointee = true
            } else if Date().timeIntervalSince(start) > Self.timeLimit {
                slow = true
                stop.pointee = true
            }
        }
        if slow, !found { throw .tooSlow(String(text.prefix(80))) }
        return found
    }
}
