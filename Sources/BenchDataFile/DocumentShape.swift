// libyaml's event parser is an explicit state machine (no recursion), so walking its events
// bounds a document before Yams composes and decodes it recursively on the stack.
//
// Fragile on purpose, and checked by the tests: Yams vendors libyaml as its target `CYaml`, which
// is not a product of the Yams package. It is visible here because SwiftPM hands a dependency's
// C module maps to every target that depends on it. If a Yams release hides it, this import fails
// to compile (never silently), and the bound must move to a vendored or system libyaml.
import CYaml

/// The size of a YAML (or JSON) document as a recursive reader would meet it: how deep its
/// collections nest, and how many nodes it holds once every alias is expanded.
///
/// Both matter because Yams composes and decodes recursively: about 5,000 nested collections
/// (block `- - - …`, flow `[[[…`, or `a:` maps) overflow the stack, and a few lines of aliases
/// (the "billion laughs") expand to 10⁹ nodes as they are decoded.
struct DocumentShape {
    /// Why a document is refused before it is parsed.
    enum Excess: Equatable {
        case depth(line: Int)
        case nodes(line: Int)
    }

    /// What a node with an anchor would add where an alias to it stands.
    private struct Anchored {
        var nodes: Int
        var height: Int
    }

    /// A collection still open: where it began, to measure it at its end.
    private struct Open {
        var anchor: String?
        var nodesBefore: Int
        var depth: Int
        var deepest: Int
    }

    let maximumDepth: Int
    let maximumNodes: Int

    /// The first excess in `text`, or `nil` when it fits (or when it is not valid YAML: the
    /// parser that follows reports that, and it stops at the same place, no deeper).
    func excess(in text: String) -> Excess? {
        if text.isEmpty { return nil }
        var text = text  // `withUTF8` reads a native string's bytes in place, without a copy
        return text.withUTF8 { buffer -> Excess? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) != 0 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return walk(&parser)
        }
    }

    private func walk(_ parser: inout yaml_parser_t) -> Excess? {
        var anchors: [String: Anchored] = [:]
        var open: [Open] = []
        var nodes = 0
        var event = yaml_event_t()
        while yaml_parser_parse(&parser, &event) != 0 {
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let depth = open.count
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                nodes += 1
                if let name = Self.name(event.data.scalar.anchor) { anchors[name] = Anchored(nodes: 1, height: 0) }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                nodes += 1
                if depth + 1 > maximumDepth { return .depth(line: line) }
                let anchor =
                    event.type == YAML_SEQUENCE_START_EVENT
                    ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                open.append(
                    Open(anchor: Self.name(anchor), nodesBefore: nodes - 1, depth: depth + 1, deepest: depth + 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return nil }
                if let name = closed.anchor {
                    anchors[name] = Anchored(
                        nodes: nodes - closed.nodesBefore, height: closed.deepest - closed.depth + 1)
                }
                if !open.isEmpty { open[open.count - 1].deepest = max(open[open.count - 1].deepest, closed.deepest) }
            case YAML_ALIAS_EVENT:
                // An unknown anchor is the parser's error to report, after this pass.
                guard let name = Self.name(event.data.alias.anchor), let target = anchors[name] else { continue }
                nodes += target.nodes
                if depth + target.height > maximumDepth { return .depth(line: line) }
                if !open.isEmpty {
                    open[open.count - 1].deepest = max(open[open.count - 1].deepest, depth + target.height)
                }
            default:
                break
            }
            if nodes > maximumNodes { return .nodes(line: line) }
        }
        return nil
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }
}
