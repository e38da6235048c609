import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

extension ProcessRunner {
    /// Runs an interactive program (`ssh`) on slinky's own terminal: stdin and stdout are the user's, the
    /// child stays in slinky's process group so the terminal's job control and Ctrl-C reach it directly.
    /// Its stderr is passed through line by line and its tail returned, so slinky can explain a refusal.
    public func runAttached(_ invocation: Invocation) async throws -> ProcessResult {
        precondition(invocation.standardInput == nil, "an attached child reads the user's terminal, not a secret")
        let collected = OutputCollector(keepAll: false)
        let status = try await spawn(invocation) { launch, _, _ in
            // Not tracked by the interrupt controller: the child shares slinky's group, and forwarding a
            // SIGINT to that group would signal slinky itself.
            try await Subprocess.run(
                launch.executable, arguments: launch.arguments, environment: launch.environment,
                workingDirectory: launch.workingDirectory, platformOptions: PlatformOptions(),
                input: .fileDescriptor(.standardInput, closeAfterSpawningProcess: false),
                output: .fileDescriptor(.standardOutput, closeAfterSpawningProcess: false),
                error: .sequence
            ) { execution in
                for try await line in execution.standardError.strings(bufferingPolicy: .unbounded) {
                    collected.append(line, isError: true)
                    FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
                }
            }.terminationStatus
        }
        return ProcessResult(status, standardOutput: "", standardErrorTail: collected.stderrTail)
    }
}
