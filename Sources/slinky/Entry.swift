import Foundation
import SlinkyCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The executable only hands over to the library, where everything testable lives.
@main
enum Entry {
    static func main() async {
        // For scripts/bench: the peak memory of this process alone, written to stderr as it exits.
        if getenv("SLINKY_REPORT_PEAK_MEMORY") != nil { atexit { reportPeakMemory() } }
        await SlinkyCommand.main()
    }
}

/// getrusage(RUSAGE_SELF).ru_maxrss counts this process only, never the aws, terraform or docker children it
/// waits for (those are RUSAGE_CHILDREN); on Linux /proc/self/status VmHWM says the same in kB.
func reportPeakMemory() {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    var line = "slinky peak memory (this process, not its children): ru_maxrss \(usage.ru_maxrss) KiB"
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let hwm = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
        line += ", VmHWM \(hwm.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces))"
    }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
