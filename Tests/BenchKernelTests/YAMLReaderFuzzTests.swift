import BenchComparison
import BenchCore
import BenchModels
import BenchProjection
import BenchTestSupport
import Foundation
import Testing

/// Fuzzing of every reader of the JSON and YAML files users hand to bench (catalog overlays,
/// validation points, job points, thresholds, Hugging Face configs), each seeded with a real
/// file in its JSON form and in block YAML. The mutations are the ones YAML adds to JSON's:
/// nesting (flow and block, up to thousands deep), anchors, aliases and merge keys, alias bombs,
/// tags, several documents, YAML's numbers; and byte damage. Each file must be read or refused
/// with the reader's own error naming the file: never a crash or a hang.
@Suite("YAML reader fuzzing")
struct YAMLReaderFuzzTests {
    struct Reader: Sendable, CustomStringConvertible {
        let name: String
        let seed: @Sendable () throws -> String
        let read: @Sendable (String) throws -> Void
        var description: String { name }
    }

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")
    static let cliFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BenchCLITests/Fixtures")

    static func file(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static let readers: [Reader] = [
        Reader(
            name: "catalog overlay",
            seed: {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return String(decoding: try encoder.encode(try Catalog.shipped()), as: UTF8.self)
            }, read: { _ = try Catalog.load(path: $0) }),
        Reader(
            name: "validation points",
            seed: { try file(sources.appendingPathComponent("BenchModels/Resources/validation.json")) },
            read: { _ = try ValidationSet.load(path: $0) }),
        Reader(
            name: "job points",
            seed: { try file(sources.appendingPathComponent("BenchProjection/Resources/jobs.json")) },
            read: { _ = try JobValidation.load(path: $0) }),
        Reader(
            name: "thresholds",
            seed: {
                #"[{"case": "gemm/.*", "metric": "tflops", "threshold": "5%"}, {"case": "mlp_step/fp32/.*", "threshold": 0.1}, {"case": ".*", "metric": "usd_per_pflop", "threshold": 2}]"#
            }, read: { _ = try ThresholdFile.read(path: $0) }),
        Reader(
            name: "Hugging Face config",
            seed: { try file(cliFixtures.appendingPathComponent("project/tiny-llama-config.json")) },
            read: { _ = try ModelConfig.huggingFace(path: $0) }),
    ]

    @Test(
        "mutated JSON and YAML files are read, or refused with an error naming the file", arguments: readers,
        ["json", "yaml"])
    func fuzz(reader: Reader, form: String) throws {
        let json = try reader.seed()
        let text = form == "json" ? json : try Self.blockYAML(json)
        let dir = try temporaryDirectory()
        let seedPath = dir.appendingPathComponent("seed.\(form)").path
        try text.write(toFile: seedPath, atomically: true, encoding: .utf8)
        try reader.read(seedPath)  // the seed itself is a good file, in either form
        var rng = SplitMix64(seed: InputSeed.fnv1a64("yaml-fuzz-\(reader.name)-\(form)"))
        var read = 0, refused = 0
        let iterations = 60 * fuzzScale()
        for i in 0..<iterations {
            let path = dir.appendingPathComponent("m\(i).\(form)").path
            try Data(Self.mutate(text, &rng).utf8).write(to: URL(fileURLWithPath: path))
            do {
                try reader.read(path)
                read += 1
            } catch {
                refused += 1
                let message = "\(error)"
                // Named with its file (the executable writes it on one line, escaping newlines
                // that a quoted value holds).
                #expect(message.contains(path), "mutation \(i): \(message)")
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        #expect(read + refused == iterations)
        #expect(refused > iterations / 4, "\(read) read, \(refused) refused")
        if fuzzScale() > 1 {
            print("YAML fuzz \(reader.name) \(form): \(iterations) tried, \(read) read, \(refused) refused")
        }
    }

    // MARK: Mutations

    static let scalar = try! NSRegularExpression(pattern: #"(?<=:|: )("[^"\n]*"|-?[0-9][0-9.eE+-]*|true|false|null)"#)
    static let tags = ["!!str ", "!!int ", "!!float ", "!!binary ", "!!null ", "!!map ", "!!seq ", "!x ", "!<tag:x> "]
    static let numbers = [
        ".inf", "-.inf", ".nan", "1e400", "1e-400", "5e-324", "0x1F", "0o17", "1_000", "9223372036854775808", "-0", "~",
    ]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        let ns = text as NSString
        let values = scalar.matches(in: text, range: NSRange(location: 0, length: ns.length)).map(\.range)
        guard values.count >= 2 else { return text }
        let value = pick(values)
        switch rng.next() % 8 {
        case 0:
            return byteDamaged(text, &rng)
        case 1:  // flow nesting in place of a value
            let n = pick([1, 8, 63, 64, 65, 3000, 8000])
            return ns.replacingCharacters(
                in: value,
                with: String(repeating: "[", count: n) + ns.substring(with: value) + String(repeating: "]", count: n))
        case 2:  // block nesting around the whole document
            let n = pick([1, 63, 64, 65, 5000])
            return String(repeating: "- ", count: n) + text.replacingOccurrences(of: "\n", with: " ")
        case 3:  // an alias bomb of 9^levels nodes in place of a value
            let levels = 1 + Int(rng.next() % 9)
            var bomb = "[&b0 [x,x,x,x,x,x,x,x,x]"
            for l in 1..<levels {
                bomb += ", &b\(l) [" + Array(repeating: "*b\(l - 1)", count: 9).joined(separator: ",") + "]"
            }
            return ns.replacingCharacters(in: value, with: bomb + "]")
        case 4:  // an anchor on one value, an alias to it in place of a later one
            let (a, b) = (pick(values), pick(values))
            guard a.location != b.location else { return text }
            let (first, second) = a.location < b.location ? (a, b) : (b, a)
            return (ns.replacingCharacters(in: second, with: "*r") as NSString).replacingCharacters(
                in: NSRange(location: first.location, length: 0), with: "&r ")
        case 5:  // a merge key: one flow map merged into a later one
            let braces = (0..<ns.length).filter { ns.character(at: $0) == 0x7B }
            guard braces.count >= 2 else { return text }
            let (a, b) = (pick(braces), pick(braces))
            guard a != b else { return text }
            let (first, second) = (min(a, b), max(a, b))
            return (ns.replacingCharacters(in: NSRange(location: second + 1, length: 0), with: "<<: *m, ") as NSString)
                .replacingCharacters(in: NSRange(location: first, length: 0), with: "&m ")
        case 6:  // a tag on a value
            return ns.replacingCharacters(in: NSRange(location: value.location, length: 0), with: pick(tags))
        default:  // YAML's numbers, or a second document
            if rng.next() % 3 == 0 { return text + "\n---\n" + text }
            return ns.replacingCharacters(in: value, with: pick(numbers))
        }
    }

    // MARK: The seeds as block YAML

    /// `json` written as block YAML: maps as `key: value` lines, lists as `-` entries, scalars
    /// as JSON scalars (which YAML reads the same).
    static func blockYAML(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        var out = ""
        try write(object, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: Any, indent: Int, into out: inout String) throws {
        let pad = String(repeating: "  ", count: indent)
        if let map = value as? [String: Any], !map.isEmpty {
            for key in map.keys.sorted() {
                let child = map[key]!
                out += pad + (try scalarText(key)) + ":"
                if let inline = try inlineText(child) {
                    out += " " + inline + "\n"
                } else {
                    out += "\n"
                    try write(child, indent: indent + 1, into: &out)
                }
            }
        } else if let list = value as? [Any], !list.isEmpty {
            for child in list {
                out += pad + "-"
                if let inline = try inlineText(child) {
                    out += " " + inline + "\n"
                } else {
                    out += "\n"
                    try write(child, indent: indent + 1, into: &out)
                }
            }
        } else if let inline = try inlineText(value) {
            out += pad + inline + "\n"
        }
    }

    private static func inlineText(_ value: Any) throws -> String? {
        if let map = value as? [String: Any] { return map.isEmpty ? "{}" : nil }
        if let list = value as? [Any] { return list.isEmpty ? "[]" : nil }
        return try scalarText(value)
    }

    private static func scalarText(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
