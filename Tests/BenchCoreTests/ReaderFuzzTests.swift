import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// Property-based fuzzing of the CSV and sidecar readers: thousands of deterministic
/// mutations of valid fixture files (byte flips, truncations, insertions of delimiters,
/// quotes, CR/LF and NUL) must each be either accepted or rejected with a ResultFileError —
/// never a crash, a hang or another error type. The fixtures in
/// Tests/BenchCLITests/Fixtures/compare are the seed corpus.
@Suite("Reader fuzzing")
struct ReaderFuzzTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BenchCLITests/Fixtures/compare")

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        let special: [UInt8] = [0x2C, 0x22, 0x0A, 0x0D, 0x00, 0xFF, 0x3D, 0x7B, 0x5D]
        for _ in 0..<(1 + Int(rng.next() % 4)) where !b.isEmpty {
            let i = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 5 {
            case 0: b[i] ^= UInt8(truncatingIfNeeded: rng.next())
            case 1: b.insert(special[Int(rng.next() % UInt64(special.count))], at: i)
            case 2: b.removeSubrange(i..<min(b.count, i + Int(rng.next() % 16)))
            case 3: b = Array(b.prefix(i))
            default: b[i] = special[Int(rng.next() % UInt64(special.count))]
            }
        }
        return b
    }

    @Test("mutated CSVs and sidecars are accepted or rejected cleanly", arguments: ["baseline", "regressed", "failed"])
    func fuzz(seedFile: String) throws {
        let dir = try temporaryDirectory()
        let csv = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(seedFile + ".csv")))
        let json = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(seedFile + ".json")))
        var rng = SplitMix64(seed: InputSeed.fnv1a64(seedFile))
        var accepted = 0, rejected = 0
        let iterations = 400 * fuzzScale()
        for i in 0..<iterations {
            let csvPath = dir.appendingPathComponent("f\(i).csv"), jsonPath = dir.appendingPathComponent("f\(i).json")
            try Data(Self.mutate(csv, &rng)).write(to: csvPath)
            try Data(i % 2 == 0 ? json : Self.mutate(json, &rng)).write(to: jsonPath)
            do {
                _ = try ResultSet(path: csvPath.path)
                accepted += 1
            } catch {
                rejected += 1  // typed throws: it can only be a ResultFileError
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted + rejected == iterations)
        #expect(rejected > 0)
        if fuzzScale() > 1 {
            print("result-file fuzz \(seedFile): \(iterations) tried, \(accepted) read, \(rejected) refused")
        }
    }
}

@Suite("The CSV record splitter")
struct CSVRecordsTests {
    @Test("quotes, doubled quotes, commas and newlines in fields, CRLF, across every chunk boundary")
    func boundaries() throws {
        let text = "a,\"b,\"\"c\"\"\nd\",e\r\n\"\",x,\"é ü\"\n\nlast,\"\",end"
        let expected: [[String]] = [["a", "b,\"c\"\nd", "e"], ["", "x", "é ü"], [""], ["last", "", "end"]]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        for chunk in [1, 2, 3, 5, 7, 64] {
            var reader = try CSVRecords(path: url.path, chunk: chunk)
            var records: [[String]] = []
            while let r = try reader.next() { records.append(r) }
            #expect(records == expected, "chunk \(chunk)")
        }
    }

    @Test("a stray quote, an unterminated one and bytes that are not UTF-8 are refused with their offset")
    func refusals() throws {
        for (bytes, failure) in [
            (Array("ab\"c,d\n".utf8), CSVRecords.Failure.strayQuote(offset: 2)),
            (Array("\"ab\"c,d\n".utf8), .strayQuote(offset: 4)),
            (Array("x,\"abc\n".utf8), .unterminatedQuote(offset: 2)),
            ([0x61, 0x2C, 0x62, 0xFF, 0x0A], .notUTF8(offset: 3)),
        ] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
            try Data(bytes).write(to: url)
            for chunk in [1, 4, 1024] {
                var reader = try CSVRecords(path: url.path, chunk: chunk)
                #expect(throws: failure) { while try reader.next() != nil {} }
            }
        }
    }
}
