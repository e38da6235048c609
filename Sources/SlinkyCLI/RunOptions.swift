import ArgumentParser
import SlinkyCore

/// Flags that change how a changing command runs.
public struct RunOptions: ParsableArguments {
    @Flag(name: .long, help: "Do not ask for confirmation (env: SLINKY_YES=1).")
    var yes = false

    @Flag(name: .customLong("dry-run"), help: "Print the ordered steps and the exact commands; change nothing (env: SLINKY_DRY_RUN=1).")
    var dryRun = false

    @Flag(name: .long, help: "Re-check every step against the real world (terraform plan on every target) and repair drift (env: SLINKY_RECONCILE=1).")
    var reconcile = false

    public init() {}

    /// These flags as given; the settings resolver adds their environment variables.
    func add(to raw: inout SettingsResolver.Raw) {
        raw.flags[.yes] = yes
        raw.flags[.dryRun] = dryRun
        raw.flags[.reconcile] = reconcile
    }
}
