import ArgumentParser
import Foundation
import SlinkyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the pieces every command shares and maps errors to the documented exit codes.
enum CommandSupport {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func sink(_ format: OutputFormat) -> any EventSink {
        let style = Style.detect()
        switch format {
        case .json: return JSONRenderer()
        case .text: return isatty(STDERR_FILENO) == 1 ? LiveRenderer(style: style) : PlainRenderer(style: style)
        }
    }

    static func resolver() -> SettingsResolver {
        SettingsResolver(
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath,
            executablePath: CommandLine.arguments.first.map { ($0 as NSString).resolvingSymlinksInPath } ?? "")
    }

    static func makeRunner() -> ProcessRunner {
        ProcessRunner(redactor: Redactor(), interrupts: InterruptController.shared, installHint: ToolCatalog.installHint(for:))
    }

    /// Runs what a command does before (or instead of) a pipeline; a SlinkyError becomes its one-line report
    /// and documented exit code.
    static func reporting<T>(_ command: String, format: OutputFormat, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SlinkyError {
            throw fail(error, format: format, command: command)
        }
    }

    /// Settings for `command`, or the command's failure report.
    static func settings(_ raw: SettingsResolver.Raw, command: String, format: OutputFormat, runner: ProcessRunner) async throws -> ClusterSettings {
        try await reporting(command, format: format) { try await resolver().resolve(raw, command: command, runner: runner) }
    }

    /// The cluster's journal, from its folder or its state bucket, and where it was looked for.
    static func journal(_ settings: ClusterSettings, command: String, format: OutputFormat, runner: ProcessRunner) async throws -> (Journal?, String) {
        try await reporting(command, format: format) { () async throws -> (Journal?, String) in
            guard let bucket = settings.stateBucket else {
                return (try JournalStore.load(path: settings.journalPath), settings.stateDirectory)
            }
            let reader = try await SharedStateReader.open(bucket: bucket, settings: settings, runner: runner, environment: environment)
            return (try await reader.cluster().0, reader.location.url)
        }
    }

    /// A failure before any pipeline starts (bad flag value, missing checkout): one line, documented exit code.
    static func fail(_ error: SlinkyError, format: OutputFormat, command: String) -> ExitCode {
        if format == .json {
            JSONLines.emit([
                "event": "summary", "command": command, "result": "failed", "exitCode": error.exitStatus.rawValue,
                "error": error.message, "hint": error.hint ?? "",
            ])
        } else {
            let style = Style.detect()
            var text = style.red("error: ") + error.message
            if let hint = error.hint { text += "\nnext: \(hint)" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        return ExitCode(error.exitStatus.rawValue)
    }

    /// Install and cleanup: the same session, told which phase to run.
    static func runSession(_ raw: SettingsResolver.Raw, phase: Phase, cluster: ClusterOptions) async throws {
        let (_, format, runner) = try cluster.start()
        InterruptController.shared.installSignalHandlers()
        let settings = try await settings(raw, command: phase.rawValue, format: format, runner: runner)
        let session = Session(
            settings: settings, events: sink(format), assumeYes: settings.assumeYes, runner: runner,
            interrupts: InterruptController.shared)
        let status = await session.run(phase: phase)
        if status != 0 { throw ExitCode(status) }
    }
}

/// The one way the commands write a JSON line of their own on stdout (pipelines' events go through JSONRenderer).
enum JSONLines {
    static func emit(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// `value`'s fields plus `"event": event`.
    static func emit<T: Encodable>(_ value: T, event: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard var object = try JSONSerialization.jsonObject(with: encoder.encode(value)) as? [String: Any] else { return }
        object["event"] = event
        emit(object)
    }
}
