import BenchCore
import BenchResults
import Foundation

/// Where a command writes its file: `--out PATH` (its directory must exist) or
/// `results/<stem>-<UTC timestamp>.<extension>` under the working directory.
public enum OutputPath {
    /// Resolves `out`, or makes the default name under `results/` (creating that folder).
    public static func resolve(_ out: String?, stem: String, extension ext: String = "csv") throws(SessionError) -> URL
    {
        let fm = FileManager.default
        if let out {
            guard !out.isEmpty else { throw .output(path: out, reason: "the path is empty; give a file name") }
            let url = URL(fileURLWithPath: out)
            let dir = url.deletingLastPathComponent().path
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir, isDirectory: &isDir) {
                guard isDir.boolValue else { throw .output(path: out, reason: "'\(dir)' is a file, not a directory") }
            } else {
                throw .output(path: out, reason: "directory '\(dir)' does not exist")
            }
            if fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                throw .output(path: out, reason: "is a directory; give a file name")
            }
            // Fail before any work when the file (or its sidecar) may not be replaced.
            for path in ext == "csv" ? [url.path, ResultWriter.sidecarURL(for: url).path] : [url.path] {
                do {
                    try OutputFile.checkReplaceable(path)
                } catch {
                    if case .cannotWrite(_, let reason) = error { throw .output(path: path, reason: reason) }
                    throw .input("\(error)")
                }
            }
            return url
        }
        let results = URL(fileURLWithPath: "results")
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: results.path, isDirectory: &isDir), !isDir.boolValue {
            throw .input("'results' is a file; pass --out FILE")
        }
        do {
            try fm.createDirectory(at: results, withIntermediateDirectories: true)
        } catch {
            throw .input("cannot create the results directory: \(error.localizedDescription)")
        }
        return results.appendingPathComponent("\(stem)-\(Timestamp.compact(Date())).\(ext)")
    }
}
