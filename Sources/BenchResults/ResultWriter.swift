import BenchCore
import Foundation

/// Writes a results CSV row by row, crash-safely, and its JSON sidecar.
///
/// Rows go to `.<final>.<pid>.partial` in the destination directory and reach the
/// disk as each case finishes, so a killed run leaves every finished row
/// there. ``finish(_:)`` writes the sidecar, then renames the partial file to
/// its final name. Thread-safe: an interrupt handler may call ``finish(_:)``
/// while the runner is between rows.
public final class ResultWriter: @unchecked Sendable {
    /// Where the CSV ends up.
    public let destination: URL
    /// The temporary file rows are written to until ``finish(_:)``.
    public let partial: URL
    /// The sidecar's path: the CSV's with `.json` instead of `.csv`.
    public var sidecarURL: URL { Self.sidecarURL(for: destination) }

    private let lock = NSLock()
    private let outputLock: OutputLock
    private let handle: FileHandle
    /// Whether every appended row is synced to disk (a run: rows survive a crash); a merge
    /// syncs once, before the rename.
    private let syncsEachRow: Bool
    /// How many times the partial file was synced (tests check a merge syncs once).
    public private(set) var syncCount = 0
    private var sidecarRows: [SidecarRow] = []
    private var appended = 0
    /// Without a sync per row (a merge), rows are encoded and written a batch at a time.
    private var pending: [[String]] = []
    private var finished = false
    /// Rows not finished yet, as their rounds so far describe them, in the order first staged.
    private var staged: [(row: ResultRow, samples: SidecarRow)] = []
    /// `false` once an interrupt has begun (``stopAccepting()``).
    private var accepting = true

    /// Creates the partial file and writes the header.
    ///
    /// - Throws: ``ResultFileError/outputDirectoryMissing(path:)`` when the
    ///   destination's directory does not exist, `cannotWrite` when it cannot be written.
    ///
    /// Refuses a destination (or sidecar) that is not a regular file bench may replace
    /// (``OutputFile/checkReplaceable(_:)``) and one another run is writing (``OutputLock``).
    /// - Parameter lock: the destination's lock when the caller took it already (a merge takes
    ///   it before reading its inputs, so no other run can finish the same output meanwhile).
    public init(destination: URL, syncsEachRow: Bool = true, lock: OutputLock? = nil) throws(ResultFileError) {
        self.destination = destination
        self.syncsEachRow = syncsEachRow
        // Unique per process: a second writer of the same name never shares this file.
        partial = destination.deletingLastPathComponent().appendingPathComponent(
            ".\(destination.lastPathComponent).\(getpid()).partial")
        let dir = destination.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw .outputDirectoryMissing(path: dir)
        }
        try OutputFile.checkReplaceable(destination.path)
        try OutputFile.checkReplaceable(Self.sidecarURL(for: destination).path)
        if let lock {
            outputLock = lock
        } else {
            outputLock = try OutputLock(destination: destination)
        }
        TemporaryFiles.register(partial.path)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
            let h = FileHandle(forWritingAtPath: partial.path)
        else { throw .cannotWrite(path: partial.path, reason: "cannot create the file") }
        handle = h
        try write(Self.encode([ResultSchema.columnNames], quoted: { _ in false }), sync: syncsEachRow)
    }

    /// The sidecar path for a CSV path.
    public static func sidecarURL(for csv: URL) -> URL {
        csv.pathExtension == "csv"
            ? csv.deletingPathExtension().appendingPathExtension("json") : csv.appendingPathExtension("json")
    }

    /// Encodes records as RFC 4180 CSV with LF line ends: a field is quoted when `quoted` says
    /// so for its column or when it holds a comma, a quote, CR or LF; inner quotes are doubled.
    /// (By bytes: a merge writes hundreds of megabytes, and the CSV library's writer, one
    /// Unicode scalar at a time through a memory stream, took half of its time.)
    static func encode(_ records: [[String]], quoted: (Int) -> Bool) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 1024)
        for record in records {
            for (i, field) in record.enumerated() {
                if i > 0 { out.append(0x2C) }
                let utf8 = field.utf8
                if quoted(i) || utf8.contains(where: { $0 == 0x22 || $0 == 0x2C || $0 == 0x0A || $0 == 0x0D }) {
                    out.append(0x22)
                    for b in utf8 {
                        if b == 0x22 { out.append(0x22) }
                        out.append(b)
                    }
                    out.append(0x22)
                } else {
                    out.append(contentsOf: utf8)
                }
            }
            out.append(0x0A)
        }
        return Data(out)
    }

    private func write(_ data: Data, sync: Bool) throws(ResultFileError) {
        do {
            try handle.write(contentsOf: data)
            if sync {
                try handle.synchronize()
                syncCount += 1
            }
        } catch {
            throw .cannotWrite(path: partial.path, reason: Self.reason(error))
        }
    }

    /// A one-line reason for a Foundation error: the POSIX error's text when there is one.
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Takes no more rows: ``append(_:samples:)`` and ``stage(_:samples:)`` are ignored from now
    /// on, and ``finish(_:)`` writes what is there. An interrupt calls it before it stops the
    /// plugins, so that a row failing because its plugin was stopped never replaces the row as
    /// its rounds so far describe it.
    public func stopAccepting() {
        lock.lock()
        accepting = false
        lock.unlock()
    }

    /// Whether ``stopAccepting()`` was called: an interrupt is saving the files.
    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !accepting
    }

    /// Appends a finished row and remembers its raw samples for the sidecar (replacing the
    /// row's staged version, if any). Ignored after ``finish(_:)`` or ``stopAccepting()``.
    public func append(_ row: ResultRow, samples: SidecarRow) throws(ResultFileError) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished, accepting else { return }
        try appendLocked(row, samples: samples, sync: syncsEachRow)
        staged.removeAll { $0.row.key == row.key }
    }

    private func appendLocked(_ row: ResultRow, samples: SidecarRow, sync: Bool) throws(ResultFileError) {
        pending.append(ResultSchema.columns.map { $0.text(of: row) })
        if sync || pending.count >= 1024 { try writePending(sync: sync) }
        appended += 1
        sidecarRows.append(samples)
    }

    private func writePending(sync: Bool) throws(ResultFileError) {
        guard !pending.isEmpty else { return }
        let columns = ResultSchema.columns
        try write(Self.encode(pending, quoted: { columns[$0].isQuoted }), sync: sync)
        pending.removeAll(keepingCapacity: true)
    }

    /// Keeps the latest state of a row that is not finished (a measured row between its
    /// rounds): if the file is finished before the row is appended (an interrupt), this
    /// version is written. Ignored after ``finish(_:)``.
    public func stage(_ row: ResultRow, samples: SidecarRow) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished, accepting else { return }
        if let i = staged.firstIndex(where: { $0.row.key == row.key }) {
            staged[i] = (row, samples)
        } else {
            staged.append((row, samples))
        }
    }

    /// How many rows were appended so far.
    public var appendedRowCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return appended
    }

    /// Writes the sidecar (with every appended row's samples) and renames the
    /// partial CSV to ``destination``. Only the first call does anything.
    ///
    /// - Parameter makeSidecar: builds the sidecar from the rows' samples.
    /// - Returns: `true` when this call finished the file.
    @discardableResult
    public func finish(_ makeSidecar: ([SidecarRow]) -> Sidecar) throws(ResultFileError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return false }
        finished = true
        defer { outputLock.release() }
        // Rows cut short (an interrupt between rounds) go in as their rounds so far describe them.
        let cutShort = staged
        staged = []
        for (row, samples) in cutShort { try appendLocked(row, samples: samples, sync: false) }
        try writePending(sync: false)
        if !syncsEachRow || !cutShort.isEmpty {
            do {
                try handle.synchronize()
                syncCount += 1
            } catch {
                throw .cannotWrite(path: partial.path, reason: Self.reason(error))
            }
        }
        try? handle.close()
        let sidecar = makeSidecar(sidecarRows)
        sidecarRows = []
        // The sidecar is in place before the CSV: a reader never sees a CSV without its sidecar.
        try OutputFile.write(to: sidecarURL.path) { (out) throws(ResultFileError) in
            try sidecar.encode(to: out, path: sidecarURL.path)
        }
        try OutputFile.checkReplaceable(destination.path)
        if rename(partial.path, destination.path) != 0 {
            throw .cannotWrite(path: destination.path, reason: String(cString: strerror(errno)))
        }
        TemporaryFiles.forget(partial.path)
        return true
    }
}
