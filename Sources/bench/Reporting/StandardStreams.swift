import BenchResults
import BenchSession
import CBenchSupport
import Foundation

/// Standard error and output as bench writes them: never a trap, whatever they are.
///
/// `FileHandle.standardError.write` traps on EIO, ENOSPC or EBADF (a dropped terminal,
/// `2>/dev/full`, `2>&-`), which would kill bench with SIGILL on an error path, or in an
/// interrupt before its rows are saved. These write with `write(2)` and give up silently
/// where nothing can be written.
enum StandardStreams {
    /// Writes `text` to standard error; a failure to write is ignored (there is nowhere to say it).
    static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
        bytes.removeAll()
    }

    /// `text` with the control characters a hostile value could carry (ESC, BEL, CR, …; not
    /// tab or newline) and the bidi controls replaced by U+FFFD, so no message bench prints can
    /// drive the terminal.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { s in
                    let v = s.value
                    let control = (v < 0x20 && v != 0x09 && v != 0x0A) || v == 0x7F || (0x80..<0xA0).contains(v)
                    let bidi = (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                    return control || bidi ? "\u{FFFD}" : s
                }))
    }

    /// Flushes standard output (what `print` wrote; with every other stdio stream); the reason
    /// when it, or any of it written earlier, could not be written.
    static func flushOutput() -> String? {
        errno = 0
        if fflush(nil) != 0 { return String(cString: strerror(errno == 0 ? EIO : errno)) }
        // Output longer than stdio's buffer was written (and failed) before the end: the
        // stream's error flag is all that is left of it.
        if bench_stdout_error() != 0 { return "a write failed" }
        return nil
    }
}

/// Runs a command's work so that an interrupt (SIGINT, SIGTERM, SIGHUP) removes the files it
/// had begun (partial CSVs, locks, temporary copies) and ends bench with one line and 130, and
/// a failure removes them too: merge, report and import-prices leave nothing behind.
func removingTemporaryFilesOnInterrupt<T>(_ body: () throws -> T) throws -> T {
    let interrupt = InterruptHandler { _ in
        TemporaryFiles.removeAll()
        StandardStreams.writeError("\nbench: interrupted; nothing written\n")
        _exit(130)
    }
    defer { interrupt.cancel() }
    do {
        return try body()
    } catch {
        TemporaryFiles.removeAll()
        throw error
    }
}
