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

    /// Replaces the default "die at once" behaviour of SIGINT/SIGTERM with forwarding; call once at start.
    ///
    /// A plain handler that writes the signal number to a pipe, read by a dedicated thread: it works
    /// whatever signal mask slinky inherited (a parent may start it with signals blocked), and, unlike
    /// SIG_IGN, a caught signal is reset to its default in the children slinky starts.
    public func installSignalHandlers() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        signalPipeWriter = fds[1]
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignalToPipe
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let reader = fds[0]
        let thread = Thread { [self] in
            while true {
                var byte: UInt8 = 0
                let n = read(reader, &byte, 1)
                if n == 1 {
                    self.handle(signal: Int32(byte))
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        thread.start()
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

nonisolated(unsafe) private var signalPipeWriter: Int32 = -1

private let forwardSignalToPipe: @convention(c) (Int32) -> Void = { signal in
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriter, &byte, 1)
}
