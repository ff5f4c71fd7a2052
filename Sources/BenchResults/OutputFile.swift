import BenchCore
import Foundation

/// What bench may replace when it writes a file, and the lock that keeps two runs from
/// writing the same output. Documented in docs/reliability.md.
public enum OutputFile {
    /// Checks that a regular file may be put at `path` by renaming a new file over it: the
    /// path is absent, or a regular file (not a symbolic link, device, FIFO or directory) whose
    /// mode lets its owner write it (checked on the mode bits, so a read-only file is
    /// respected even by root), in a directory that can be written.
    public static func checkReplaceable(_ path: String) throws(ResultFileError) {
        guard !path.isEmpty else { throw .cannotWrite(path: path, reason: "the path is empty") }
        var st = stat()
        if lstat(path, &st) == 0 {
            let type = st.st_mode & S_IFMT
            if type == S_IFLNK {
                throw .cannotWrite(
                    path: path,
                    reason: "it is a symbolic link; bench replaces only regular files (give the link's target)")
            }
            if type == S_IFDIR { throw .cannotWrite(path: path, reason: "it is a directory; give a file name") }
            guard type == S_IFREG else {
                throw .cannotWrite(
                    path: path,
                    reason: "it is not a regular file (a device, FIFO or socket); bench writes only regular files")
            }
            guard st.st_mode & 0o200 != 0 else {
                throw .cannotWrite(
                    path: path,
                    reason: "it is read-only (mode \(String(st.st_mode & 0o777, radix: 8))); bench does not replace it")
            }
        } else if errno != ENOENT {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard access(dir, W_OK) == 0 else {
            throw .cannotWrite(
                path: path, reason: "its directory '\(dir)' is not writable (\(String(cString: strerror(errno))))")
        }
    }

    /// Whether two paths name the same file (after resolving links), whether or not it exists yet.
    public static func isSame(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The input an output would replace, or `nil`: the output, and its sidecar when it writes
    /// one, against every input's CSV and sidecar, by file identity (device and inode: a
    /// link, a `..` path or a hard link is the same file) where both exist, else by path.
    public static func collision(output: String, writesSidecar: Bool, inputs: [String]) -> String? {
        var written = [output]
        if writesSidecar { written.append(ResultWriter.sidecarURL(for: URL(fileURLWithPath: output)).path) }
        for input in inputs {
            let read = [input, ResultWriter.sidecarURL(for: URL(fileURLWithPath: input)).path]
            for w in written {
                for r in read where sameFile(w, r) { return r }
            }
        }
        return nil
    }

    /// Whether two paths name one file: same device and inode when both exist, else the same
    /// resolved path.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        return isSame(a, b)
    }

    /// Writes `data` to `path` through a temporary file in the same directory and a rename, after
    /// ``checkReplaceable(_:)``: a crash leaves the old file or the new one, never half of one.
    public static func write(_ data: Data, to path: String) throws(ResultFileError) {
        try write(to: path) { (out) throws(ResultFileError) in try out.write(data) }
    }

    /// Writes what `body` gives its ``ChunkedOutput`` to a temporary file beside `path`, then
    /// renames it over `path`: a reader sees the old file or the whole new one, never a part,
    /// and a file of hundreds of megabytes is never held whole in memory.
    public static func write(
        to path: String, _ body: (ChunkedOutput) throws(ResultFileError) -> Void
    ) throws(ResultFileError) {
        try checkReplaceable(path)
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        TemporaryFiles.register(temp.path)
        defer { TemporaryFiles.forget(temp.path) }
        guard FileManager.default.createFile(atPath: temp.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temp.path)
        else {
            throw .cannotWrite(
                path: path, reason: "cannot create \(temp.lastPathComponent): \(String(cString: strerror(errno)))")
        }
        let out = ChunkedOutput(handle: handle, path: path)
        do throws(ResultFileError) {
            try body(out)
            try out.flush()
            try? handle.close()
        } catch {
            try? handle.close()
            unlink(temp.path)
            throw error
        }
        if rename(temp.path, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw .cannotWrite(path: path, reason: reason)
        }
    }
}

/// Bytes written to a file a megabyte at a time (``OutputFile/write(to:_:)``).
public final class ChunkedOutput {
    private let handle: FileHandle
    private let path: String
    private var buffer = Data()

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    public func write(_ data: some DataProtocol) throws(ResultFileError) {
        buffer.append(contentsOf: data)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(ResultFileError) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw .cannotWrite(path: path, reason: ResultWriter.reason(error))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// An advisory lock (`flock`) on an output path, held for a whole run: a second bench writing
/// the same file refuses at start, naming the holder's pid.
public final class OutputLock: @unchecked Sendable {
    public let lockPath: String
    private var fd: Int32

    /// Takes the lock on `destination` (the file `.<name>.lock` beside it).
    ///
    /// - Throws: ``ResultFileError/cannotWrite(path:reason:)`` naming the process that holds it.
    public init(destination: URL) throws(ResultFileError) {
        lockPath =
            destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).lock")
            .path
        // O_NOFOLLOW: a planted link must not make bench truncate (and write its pid into) another file.
        fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: lockPath, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder =
                (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? ""
            close(fd)
            fd = -1
            throw .cannotWrite(
                path: destination.path,
                reason:
                    "another bench run (pid \(holder.isEmpty ? "unknown" : holder)) is writing it; wait for it or choose another --out"
            )
        }
        TemporaryFiles.register(lockPath)
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    /// Releases the lock and removes the lock file. Only the first call does anything.
    public func release() {
        guard fd >= 0 else { return }
        TemporaryFiles.forget(lockPath)
        unlink(lockPath)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
