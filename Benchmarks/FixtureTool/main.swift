import BenchTestSupport
import Foundation

// bench-fixture: result files for benchmark scripts, written by bench's own writer.
//   bench-fixture slow SRC.csv DST.csv FACTOR   a copy whose measured rows are FACTOR× slower
let args = CommandLine.arguments.dropFirst()
guard args.count == 4, args.first == "slow", let factor = Double(args[args.startIndex + 3]), factor > 0 else {
    FileHandle.standardError.write(Data("usage: bench-fixture slow SRC.csv DST.csv FACTOR\n".utf8))
    exit(2)
}
do {
    try writeSlowedCopy(of: args[args.startIndex + 1], to: args[args.startIndex + 2], factor: factor)
} catch {
    FileHandle.standardError.write(Data("bench-fixture: \(error)\n".utf8))
    exit(2)
}
