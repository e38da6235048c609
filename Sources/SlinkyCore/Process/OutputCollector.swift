import Synchronization

/// Collects what a child printed: all of stdout if asked, and the last lines of stderr for error messages.
final class OutputCollector: Sendable {
    private struct Buffers {
        var stdout: [String] = []
        var stderr: [String] = []
    }
    private let buffers = Mutex(Buffers())
    private let keepAll: Bool
    private static let tailLength = 40

    init(keepAll: Bool) { self.keepAll = keepAll }

    func append(_ line: String, isError: Bool) {
        buffers.withLock { b in
            if isError {
                b.stderr.append(line)
                if b.stderr.count > Self.tailLength * 2 { b.stderr.removeFirst(b.stderr.count - Self.tailLength) }
            } else {
                b.stdout.append(line)
                if !keepAll, b.stdout.count > Self.tailLength * 2 { b.stdout.removeFirst(b.stdout.count - Self.tailLength) }
            }
        }
    }

    var stdout: String { buffers.withLock { $0.stdout.joined(separator: "\n") } }
    var stderrTail: [String] { buffers.withLock { Array($0.stderr.suffix(Self.tailLength)) } }
}
