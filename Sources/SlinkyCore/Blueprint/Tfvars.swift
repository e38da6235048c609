import Foundation

/// A `.tfvars` file read well enough to find, check and rewrite top-level attributes, line by line.
///
/// slinky edits a file that users write by hand, so the editor changes only the value of the attributes it
/// owns and keeps every other byte: comments, ordering, blank lines, other values, trailing newline.
public struct TfvarsDocument: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        /// 0-based line where the attribute starts.
        public var line: Int
        /// The value's text as written, for single-line values.
        public var rawValue: String
        /// Decoded value when it is one quoted string on one line.
        public var stringValue: String?
        public var isSingleLine: Bool
        /// Character offset of the value's first character (just after `=`) in its line.
        public var valueColumn: Int = 0
    }

    public private(set) var lines: [String]
    public private(set) var attributes: [Attribute]
    private let endsWithNewline: Bool
    /// "\r\n" for a file saved on Windows; kept so an edit does not change every line ending.
    private let lineEnding: String

    public var text: String {
        lines.joined(separator: lineEnding) + (endsWithNewline ? lineEnding : "")
    }

    public struct ParseError: Error, Equatable, Sendable {
        public var line: Int
        public var message: String
    }

    public init(text: String) throws(ParseError) {
        // Swift reads "\r\n" as one Character, so a CRLF file must be split on that, not on "\n".
        lineEnding = text.contains("\r\n") ? "\r\n" : "\n"
        endsWithNewline = text.hasSuffix(lineEnding) || text.isEmpty
        var split = text.components(separatedBy: lineEnding)
        if endsWithNewline && !text.isEmpty { split.removeLast() }
        if text.isEmpty { split = [] }
        lines = split
        attributes = try Self.parse(split)
    }

    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    public func string(_ name: String) -> String? { attribute(name)?.stringValue }

    /// Sets string attributes; returns whether anything changed. Values that are already right are not touched.
    @discardableResult
    public mutating func set(_ values: [(String, String)]) throws(ParseError) -> Bool {
        var changed = false
        for (name, value) in values {
            let literal = Self.quote(value)
            if let existing = attribute(name) {
                if existing.stringValue == value { continue }
                guard existing.isSingleLine else {
                    throw ParseError(line: existing.line + 1, message: "`\(name)` spans several lines; slinky can only replace a one-line value")
                }
                let original = lines[existing.line]
                let valueStart = original.index(original.startIndex, offsetBy: existing.valueColumn)
                let afterEquals = original[valueStart...]
                let leading = afterEquals.prefix { $0 == " " || $0 == "\t" }
                let comment = Self.trailingComment(after: existing.rawValue, in: String(afterEquals.dropFirst(leading.count)))
                lines[existing.line] = String(original[..<valueStart]) + (leading.isEmpty ? " " : String(leading)) + literal + comment
            } else {
                lines.append("\(name) = \(literal)")
            }
            changed = true
            attributes = try Self.parse(lines)
        }
        return changed
    }

    static func trailingComment(after rawValue: String, in rest: String) -> String {
        guard rest.hasPrefix(rawValue) else { return "" }
        return String(rest.dropFirst(rawValue.count))
    }

    /// An HCL string literal; `${` and `%{` are escaped so a value is never read as a template.
    public static func quote(_ value: String) -> String {
        var out = "\""
        var previous: Character?
        for ch in value {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "{" where previous == "$" || previous == "%": out += String(previous!) + "{"
            default: out.append(ch)
            }
            previous = ch
        }
        return out + "\""
    }

    // MARK: - Parsing

    private static func parse(_ lines: [String]) throws(ParseError) -> [Attribute] {
        var attributes: [Attribute] = []
        var seen: [String: Int] = [:]
        var depth = 0
        var inBlockComment = false
        var heredocEnd: String?
        var current: (name: String, line: Int)?
        var valueStartDepthZero = false
        var currentValueColumn = 0

        for (index, line) in lines.enumerated() {
            if let end = heredocEnd {
                if line.trimmingCharacters(in: .whitespaces) == end { heredocEnd = nil }
                continue
            }
            var scanner = LineScanner(line: line, inBlockComment: inBlockComment)
            if depth == 0 && !scanner.inBlockComment {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("//") {
                    continue
                }
                let headStart = Self.afterLeadingBlockComments(line)
                if let headStart {
                    let rest = line[headStart...].trimmingCharacters(in: .whitespaces)
                    if rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix("//") { continue }
                    guard let (name, valueStart) = Self.attributeHead(line, from: headStart) else {
                        throw ParseError(line: index + 1, message: "expected `name = value`, found `\(trimmed.prefix(40))`")
                    }
                    if let first = seen[name] {
                        throw ParseError(line: index + 1, message: "`\(name)` is set twice (first on line \(first + 1))")
                    }
                    seen[name] = index
                    current = (name, index)
                    currentValueColumn = line.distance(from: line.startIndex, to: valueStart)
                    valueStartDepthZero = true
                    scanner.position = valueStart
                    let valueText = String(line[valueStart...]).trimmingCharacters(in: .whitespaces)
                    if valueText.isEmpty || valueText.hasPrefix("#") || valueText.hasPrefix("//") {
                        throw ParseError(line: index + 1, message: "`\(name)` has no value")
                    }
                    if valueText.hasPrefix("<<") {
                        let marker = valueText.dropFirst(2).drop { $0 == "-" }.trimmingCharacters(in: .whitespaces)
                        guard !marker.isEmpty else { throw ParseError(line: index + 1, message: "heredoc without a marker") }
                        heredocEnd = marker
                        attributes.append(Attribute(
                            name: name, line: index, rawValue: valueText, stringValue: nil, isSingleLine: false,
                            valueColumn: line.distance(from: line.startIndex, to: valueStart)))
                        current = nil
                        continue
                    }
                }
            }
            let result = try scanner.scan(lineNumber: index + 1, depth: &depth)
            inBlockComment = scanner.inBlockComment
            if let marker = result.heredocMarker { heredocEnd = marker }
            if valueStartDepthZero, let head = current, head.line == index {
                let single = depth == 0
                let raw = result.valueText.trimmingCharacters(in: .whitespaces)
                if single && raw.isEmpty { throw ParseError(line: index + 1, message: "`\(head.name)` has no value") }
                attributes.append(Attribute(
                    name: head.name, line: index, rawValue: raw,
                    stringValue: single ? Self.decodeSimpleString(raw) : nil, isSingleLine: single,
                    valueColumn: currentValueColumn))
                valueStartDepthZero = false
            }
            if depth < 0 { throw ParseError(line: index + 1, message: "a closing bracket has no opening one") }
        }
        if heredocEnd != nil { throw ParseError(line: lines.count, message: "a heredoc is not terminated") }
        if inBlockComment { throw ParseError(line: lines.count, message: "a /* comment is not closed") }
        if depth != 0 { throw ParseError(line: lines.count, message: "a bracket is not closed by the end of the file") }
        return attributes
    }

    /// Where an attribute may start: after leading whitespace and any `/* ... */` comments closed on the
    /// same line; nil when the line opens a block comment that continues on the next line.
    private static func afterLeadingBlockComments(_ line: String) -> String.Index? {
        var index = line.startIndex
        while true {
            while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
            guard line[index...].hasPrefix("/*") else { return index }
            guard let close = line[line.index(index, offsetBy: 2)...].range(of: "*/") else { return nil }
            index = close.upperBound
        }
    }

    private static func attributeHead(_ line: String, from start: String.Index) -> (String, String.Index)? {
        var index = start
        while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
        let nameStart = index
        while index < line.endIndex, line[index].isLetter || line[index].isNumber || line[index] == "_" || line[index] == "-" {
            index = line.index(after: index)
        }
        guard index > nameStart, line[nameStart].isLetter || line[nameStart] == "_" else { return nil }
        let name = String(line[nameStart..<index])
        while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
        guard index < line.endIndex, line[index] == "=" else { return nil }
        let next = line.index(after: index)
        if next < line.endIndex, line[next] == "=" { return nil }
        return (name, next)
    }

    static func decodeSimpleString(_ raw: String) -> String? {
        guard raw.hasPrefix("\""), raw.count >= 2 else { return nil }
        var out = ""
        var escaped = false
        var index = raw.index(after: raw.startIndex)
        while index < raw.endIndex {
            let ch = raw[index]
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                default: out.append("\\"); out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "\"" {
                let rest = raw[raw.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty else { return nil }
                return out.replacingOccurrences(of: "$${", with: "${").replacingOccurrences(of: "%%{", with: "%{")
            } else {
                out.append(ch)
            }
            index = raw.index(after: index)
        }
        return nil
    }
}
