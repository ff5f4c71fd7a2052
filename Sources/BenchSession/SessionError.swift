/// Bad input found while setting up or running a session: one line each, naming what was
/// wrong. The executable maps every case to exit status 2.
public enum SessionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A command-line option's value is wrong: the flag and the reason.
    case option(flag: String, reason: String)
    /// The output file or its directory cannot be used.
    case output(path: String, reason: String)
    /// Anything else found wrong in the input (a catalog, a profile, a plugin), already worded.
    case input(String)

    public var description: String {
        switch self {
        case .option(let flag, let reason): flag.isEmpty ? reason : "\(flag): \(reason)"
        case .output(let path, let reason): "--out '\(path)': \(reason)"
        case .input(let message): message
        }
    }
}
