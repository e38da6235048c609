import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns what happens on Ctrl-C and SIGTERM.
///
/// Children run in their own process groups, so a terminal Ctrl-C reaches only slinky. slinky then sends
/// exactly one SIGINT to each running child's group and keeps draining its output until it exits: terraform
/// takes a single interrupt as "finish the current operation and save state", but a second as "stop now".
public final class InterruptController: Sendable {
    private struct State {
        var runningGroups: Set<Int32> = []
        var receivedSignal: Int32?
        var forwarded: Set<Int32> = []
        var notices: Int = 0
    }
    private let state = Mutex(State())
    private let onNotice: @Sendable (String) -> Void

    public static let shared = InterruptController()

    public init(onNotice: @escaping @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }) {
        self.onNotice = onNotice
    }

    /// The signal that asked slinky to stop, if any.
    public var receivedSignal: Int32? { state.withLock { $0.receivedSignal } }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Replaces the default "die at once" behaviour of SIGINT/SIGTERM with forwarding; call once at start.
    public func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in self.handle(signal: sig) }
            source.resume()
            Self.sources.append(source)
        }
    }

    public func handle(signal sig: Int32) {
        let (toSignal, firstTime) = state.withLock { s -> ([Int32], Bool) in
            let first = s.receivedSignal == nil
            if first { s.receivedSignal = sig }
            s.notices += 1
            let pending = s.runningGroups.subtracting(s.forwarded)
            s.forwarded.formUnion(pending)
            return (Array(pending), first)
        }
        for group in toSignal { kill(-group, SIGINT) }
        if firstTime {
            onNotice("slinky: stopping — waiting for running commands to finish cleanly (terraform saves its state first)")
        } else {
            onNotice("slinky: still waiting for running commands to exit; they were already asked to stop once")
        }
    }

    /// Registers a child's process group; if a stop was already requested, the child is told at once.
    func childStarted(group: Int32) {
        let signalNow = state.withLock { s -> Bool in
            s.runningGroups.insert(group)
            if s.receivedSignal != nil, !s.forwarded.contains(group) {
                s.forwarded.insert(group)
                return true
            }
            return false
        }
        if signalNow { kill(-group, SIGINT) }
    }

    func childExited(group: Int32) {
        state.withLock { s in
            s.runningGroups.remove(group)
            s.forwarded.remove(group)
        }
    }
}
