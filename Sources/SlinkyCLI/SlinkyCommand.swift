import ArgumentParser
import SlinkyCore

public struct SlinkyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "slinky",
        abstract: "Stand up a Slurm cluster (SchedMD Slinky) on Amazon EKS, and tear it down again.",
        discussion: """
            Every step is resumable: run the same command again after a failure or Ctrl-C and it continues \
            where it stopped. Exit codes: 0 ok, 1 a step failed (re-run to resume) or doctor found an error, 3 not installed (status, ssh, logs), \
            64 bad usage or input, 65 unusable blueprint or key, 69 missing or failing tool or service, 75 cluster locked \
            by another run, 77 AWS credentials, 130 interrupted, 143 terminated.
            """,
        version: Slinky.version,
        subcommands: [Install.self, Cleanup.self, Status.self, Doctor.self, SSH.self, Logs.self, Render.self, List.self, StateCommand.self, ImageCommand.self]
    )

    public init() {}
}
