import BenchDataFile
import Foundation
import Testing

/// The bound on a document's shape that ``DataFile`` checks before Yams (which recurses on the
/// stack) reads it: nesting depth, block or flow, aliases included; and the nodes that aliases
/// expand to.
@Suite("Data file shape")
struct DataFileShapeTests {
    /// Any JSON or YAML value: decodes every document that parses, to reach its deepest node.
    indirect enum Value: Decodable {
        case scalar(String)
        case list([Value])
        case map([String: Value])

        init(from decoder: any Decoder) throws {
            if let map = try? decoder.container(keyedBy: AnyKey.self) {
                var out: [String: Value] = [:]
                for key in map.allKeys { out[key.stringValue] = try map.decode(Value.self, forKey: key) }
                self = .map(out)
            } else if var list = try? decoder.unkeyedContainer() {
                var out: [Value] = []
                while !list.isAtEnd { out.append(try list.decode(Value.self)) }
                self = .list(out)
            } else {
                self = .scalar(try decoder.singleValueContainer().decode(String.self))
            }
        }

        var count: Int {
            switch self {
            case .scalar: 1
            case .list(let l): 1 + l.reduce(0) { $0 + $1.count }
            case .map(let m): 1 + m.values.reduce(0) { $0 + $1.count }
            }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func flow(_ n: Int) -> String { String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n) }
    static func blockList(_ n: Int) -> String { String(repeating: "- ", count: n) + "x\n" }
    static func blockMap(_ n: Int) -> String {
        (0..<n).map { String(repeating: "  ", count: $0) + "a:\n" }.joined() + String(repeating: "  ", count: n) + "x\n"
    }
    static func questionKeys(_ n: Int) -> String { String(repeating: "? ", count: n) + "x\n" }

    static let shapes: [(String, @Sendable (Int) -> String)] = [
        ("flow", flow), ("block list", blockList), ("block map", blockMap), ("? keys", questionKeys),
    ]

    @Test("64 levels of any nesting are read; 65 and 5,000 are refused in one line naming the line")
    func depth() {
        for (name, make) in Self.shapes {
            guard case .success(let value) = DataFile.decode(Value.self, text: make(DataFile.maximumDepth)) else {
                Issue.record("\(name): 64 levels refused")
                continue
            }
            // A map whose keys are maps has no string keys for `Value`; its depth is what matters.
            #expect(name == "? keys" || value.count >= DataFile.maximumDepth, "\(name)")
            for n in [DataFile.maximumDepth + 1, 5000] {
                guard case .failure(let failure) = DataFile.decode(Value.self, text: make(n)) else {
                    Issue.record("\(name): \(n) levels read")
                    continue
                }
                #expect(
                    failure.description.hasPrefix("nested more than 64 levels deep (at line "), "\(name): \(failure)")
            }
        }
    }

    @Test("an alias counts the depth of what it names")
    func aliasDepth() {
        let deep = Self.flow(40)
        // 40 levels under the anchor, used 30 levels down: 70 once expanded.
        let text = "a: &d \(deep)\nb: " + String(repeating: "[", count: 29) + "*d" + String(repeating: "]", count: 29)
        guard case .failure(let failure) = DataFile.decode(Value.self, text: text) else {
            Issue.record("an alias 70 levels deep was read")
            return
        }
        #expect(failure.description == "nested more than 64 levels deep (at line 2)")
        let shallow = "a: &d \(deep)\nb: [[*d]]\n"
        #expect((try? DataFile.decode(Value.self, text: shallow).get()) != nil)
    }

    @Test("a billion laughs is refused by the nodes its aliases expand to; a few aliases are read")
    func billionLaughs() {
        var lines = [#"l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        for level in 1...8 {
            lines.append(
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]")
        }
        guard case .failure(let failure) = DataFile.decode(Value.self, text: lines.joined(separator: "\n")) else {
            Issue.record("the billion laughs were read")
            return
        }
        #expect(failure.description.hasPrefix("aliases expand to more than 1000000 nodes (at line "), "\(failure)")
        // Three levels (about 7,000 nodes) are an ordinary document.
        let small = lines.prefix(4).joined(separator: "\n")
        guard case .success(let value) = DataFile.decode(Value.self, text: small) else {
            Issue.record("four anchors refused")
            return
        }
        #expect(value.count > 7000)
    }

    @Test("merge keys, tags and anchors on scalars read as YAML says; an undefined alias is a syntax error")
    func features() throws {
        let text = """
            base: &base {peak: 989, unit: TFLOPS}
            h100: {<<: *base, name: !!str 100}
            price: &p 12.5
            again: *p
            """
        guard case .map(let m) = try DataFile.decode(Value.self, text: text).get(), case .map(let h100)? = m["h100"]
        else {
            Issue.record("not a map")
            return
        }
        #expect(h100.keys.sorted() == ["name", "peak", "unit"])
        guard case .scalar("12.5")? = m["again"] else {
            Issue.record("alias of a scalar: \(String(describing: m["again"]))")
            return
        }
        guard case .failure(let failure) = DataFile.decode(Value.self, text: "a: *nowhere\n") else {
            Issue.record("an undefined alias was read")
            return
        }
        guard case .syntax = failure else {
            Issue.record("not a syntax error: \(failure)")
            return
        }
    }
}
