import Foundation
import Synchronization

/// Reads lines appended to a file by a child, from where the child started writing.
final class LogFollower: Sendable {
    private struct State {
        var offset: UInt64
        var partial = Data()
        var tail: [String] = []
    }
    private let path: String
    private let state: Mutex<State>
    private let onLine: @Sendable (String) -> Void

    init(path: String, offset: UInt64, onLine: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.state = Mutex(State(offset: offset))
        self.onLine = onLine
    }

    /// Reads new lines every quarter second until `exited` says the child is gone.
    func follow(_ exited: () -> Bool) async {
        while !Task.isCancelled {
            readNew()
            if exited() { return }
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
        }
    }

    func drain() -> [String] {
        readNew(flushPartial: true)
        return state.withLock { $0.tail }
    }

    private func readNew(flushPartial: Bool = false) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let lines: [String] = state.withLock { s in
            try? handle.seek(toOffset: s.offset)
            let data = (try? handle.readToEnd()) ?? Data()
            s.offset += UInt64(data.count)
            s.partial.append(data)
            var complete: [String] = []
            while let newline = s.partial.firstIndex(of: 0x0A) {
                complete.append(String(decoding: s.partial[s.partial.startIndex..<newline], as: UTF8.self))
                s.partial.removeSubrange(s.partial.startIndex...newline)
            }
            if flushPartial && !s.partial.isEmpty {
                complete.append(String(decoding: s.partial, as: UTF8.self))
                s.partial.removeAll()
            }
            s.tail.append(contentsOf: complete)
            if s.tail.count > 80 { s.tail.removeFirst(s.tail.count - 40) }
            return complete
        }
        for line in lines { onLine(line) }
    }
}
