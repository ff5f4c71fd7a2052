import BenchCore

/// A shard of a suite: the cases of index `index` when the selection is split `count` ways.
public struct Shard: Sendable, Equatable {
    public var index: Int
    public var count: Int
    /// Where it came from (`--shard I/N` or the engine's variables).
    public var source: String

    public init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    /// This shard's cases: the selection sorted by case id (the same on every host and build,
    /// whatever backends a host has), every `count`-th from position `index`.
    public func cases(of selection: [KernelCase]) -> [KernelCase] {
        selection.sorted { $0.id < $1.id }.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    /// Parses `I/N` (0 ≤ I < N).
    public static func parse(_ text: String) -> Shard? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && !$0.hasPrefix("+") })
        else { return nil }
        return Shard(index: i, count: n, source: "--shard \(text)")
    }
}
