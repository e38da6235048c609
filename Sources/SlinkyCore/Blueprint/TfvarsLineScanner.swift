import Foundation

/// Scans one line for strings, comments and brackets.
struct LineScanner {
    let line: String
    var inBlockComment: Bool
    var position: String.Index

    init(line: String, inBlockComment: Bool) {
        self.line = line
        self.inBlockComment = inBlockComment
        self.position = line.startIndex
    }

    struct Result {
        var valueText: String
        /// Set when the line opens a heredoc (`<<EOT` or `<<-EOT` at its end) inside a list or map.
        var heredocMarker: String?
    }

    mutating func scan(lineNumber: Int, depth: inout Int) throws(TfvarsDocument.ParseError) -> Result {
        let valueStart = position
        var valueEnd = line.endIndex
        var index = position
        var inString = false
        var escaped = false
        while index < line.endIndex {
            let ch = line[index]
            let next = line.index(after: index)
            let nextCh: Character? = next < line.endIndex ? line[next] : nil
            if inBlockComment {
                if ch == "*", nextCh == "/" { inBlockComment = false; index = line.index(after: next); continue }
                index = next
                continue
            }
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                index = next
                continue
            }
            switch ch {
            case "\"": inString = true
            case "#":
                valueEnd = min(valueEnd, index)
                index = line.endIndex
                continue
            case "/" where nextCh == "/":
                valueEnd = min(valueEnd, index)
                index = line.endIndex
                continue
            case "/" where nextCh == "*":
                valueEnd = min(valueEnd, index)
                inBlockComment = true
                index = line.index(after: next)
                continue
            case "<" where nextCh == "<":
                let rest = String(line[index...])
                if let match = rest.range(of: #"^<<-?[A-Za-z_][A-Za-z0-9_]*\s*$"#, options: .regularExpression) {
                    let marker = rest[match].dropFirst(2).drop { $0 == "-" }.trimmingCharacters(in: .whitespaces)
                    return Result(valueText: String(line[valueStart..<index]), heredocMarker: marker)
                }
            case "[", "{", "(": depth += 1
            case "]", "}", ")": depth -= 1
            default: break
            }
            index = next
        }
        if inString { throw TfvarsDocument.ParseError(line: lineNumber, message: "a quoted string is not closed on its line") }
        let end = max(valueStart, valueEnd)
        return Result(valueText: String(line[valueStart..<end]), heredocMarker: nil)
    }
}
