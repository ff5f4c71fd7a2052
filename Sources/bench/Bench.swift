import ArgumentParser
import BenchComparison
import BenchCore
import BenchSession
import CBenchSupport
import Foundation

/// The `bench` command line: thin commands over BenchCore.
///
/// Exit codes: 0 ok; 1 a check failed (a row `verify_failed`/`error`, a
/// regression); 2 bad usage or input; 130 interrupted (Ctrl-C) after saving
/// the finished rows.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Price-performance benchmarks of ML training microkernels across CPUs and accelerators.",
        version: BenchVersion.current,
        subcommands: [
            RunCommand.self, CompareCommand.self, MergeCommand.self, SummarizeCommand.self, CatalogCommand.self,
            CalibrateCommand.self, ListCommand.self, ReportCommand.self, ValidateModelCommand.self, ProjectCommand.self,
        ]
    )

    static func main() {
        // A plugin that dies must show up as an error on write, not kill bench with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // A file-size limit (ulimit -f) must fail a write with a message, not kill bench.
        signal(SIGXFSZ, SIG_IGN)
        // A plugin's child that detaches (setsid and a double fork) is re-parented to bench,
        // not to init, so bench can still kill it (docs/reliability.md#plugins).
        _ = bench_become_subreaper()
        // A parent may have blocked these signals (the mask is inherited across exec): unblock
        // them, or Ctrl-C and SIGTERM would stay pending forever.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in InterruptHandler.signals { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        // Until a run installs its own handler (which saves finished rows), Ctrl-C, SIGTERM or
        // SIGHUP ends bench with one line and 130; nothing has been written yet.
        for sig in InterruptHandler.signals {
            signal(sig) { _ in
                let line = "bench: interrupted before any case ran; nothing written\n"
                _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                _exit(130)
            }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            exitChecked(0)
        } catch let failure as UsageError {
            fail(failure.description, code: 2)
        } catch let failure as SessionError {
            fail(failure.description, code: 2)
        } catch let failure as BenchComparison.Comparator.InputError {
            fail(failure.description, code: 2)
        } catch let code as ExitCode {
            exitChecked(code.rawValue)
        } catch {
            let exitCode = exitCode(for: error)
            if exitCode == .success {
                exit(withError: error)  // --help, --version
            }
            // Argument-parser errors: one line, exit 2 (not its default 64).
            let message = Bench.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(message + " (see 'bench help')", code: 2)
        }
    }

    /// Writes the one line an error gets and exits: a newline inside the message (a value
    /// quoted from a user's file may hold one) is written as `\n`.
    static func fail(_ message: String, code: Int32) -> Never {
        let line = StandardStreams.printable(message).replacingOccurrences(of: "\n", with: "\\n")
        StandardStreams.writeError("bench: error: \(line)\n")
        Foundation.exit(code)
    }

    /// Exits with `code` once standard output has been written out; output that could not be
    /// written (`> /dev/full`, a closed stdout) is an error, never a silent exit 0.
    static func exitChecked(_ code: Int32) -> Never {
        if let failure = StandardStreams.flushOutput() {
            fail("standard output: \(failure); the output is lost", code: max(code, 2))
        }
        Foundation.exit(code)
    }
}

/// Bad usage or input found by a command: one line, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes a line to standard error (never traps, whatever standard error is).
func printError(_ line: String) {
    StandardStreams.writeError(StandardStreams.printable(line) + "\n")
}
