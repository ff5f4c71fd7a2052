import Foundation

extension ResultSet {
    /// Reads `paths` (each with its sidecar), two at a time on two threads: a fleet's files are
    /// hundreds of megabytes each and reading them is most of compare's, merge's and report's
    /// time. A path given twice is read once. The first failing path in the given order is
    /// the error, whichever thread met it first.
    public static func load(_ paths: [String]) throws(ResultFileError) -> [ResultSet] {
        let distinct = Array(NSOrderedSet(array: paths)) as? [String] ?? paths
        let results = LoadResults(count: distinct.count)
        let lanes = min(2, max(1, distinct.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for i in stride(from: lane, to: distinct.count, by: lanes) {
                let r: Result<ResultSet, ResultFileError>
                do throws(ResultFileError) { r = .success(try ResultSet(path: distinct[i])) } catch {
                    r = .failure(error)
                }
                results.set(i, r)
            }
        }
        var byPath: [String: ResultSet] = [:]
        for (i, path) in distinct.enumerated() {
            switch results.get(i) {
            case .success(let set): byPath[path] = set
            case .failure(let error): throw error
            case nil: throw .cannotRead(path: path, reason: "not read")
            }
        }
        return paths.compactMap { byPath[$0] }
    }
}

/// The loaders' results, one slot per path, behind a lock.
private final class LoadResults: @unchecked Sendable {
    private var slots: [Result<ResultSet, ResultFileError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<ResultSet, ResultFileError>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) -> Result<ResultSet, ResultFileError>? { lock.withLock { slots[i] } }
}
