import Foundation

/// The files bench has made and will rename or remove when it finishes writing (partial CSVs,
/// locks, temporary copies), so that an interrupted merge, report or import removes them
/// instead of leaving them behind. Thread-safe.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []

    /// Remembers `path` until ``forget(_:)``.
    public static func register(_ path: String) {
        lock.lock()
        paths.insert(path)
        lock.unlock()
    }

    /// `path` was renamed into place or removed.
    public static func forget(_ path: String) {
        lock.lock()
        paths.remove(path)
        lock.unlock()
    }

    /// Removes every file still remembered (an interrupt); returns how many there were.
    @discardableResult
    public static func removeAll() -> Int {
        lock.lock()
        defer { lock.unlock() }
        for p in paths { unlink(p) }
        let n = paths.count
        paths = []
        return n
    }
}
