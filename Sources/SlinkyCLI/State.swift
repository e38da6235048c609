import ArgumentParser

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Shared state in S3: create the bucket, move a cluster's local state into it.",
        discussion: """
            With --state-bucket (or SLINKY_STATE_BUCKET), a cluster's terraform state (S3 backend, S3-native \
            locking, encrypted), slinky's journal and the blueprint it was built from live in \
            s3://BUCKET/slinky/ACCOUNT/REGION/CLUSTER/, and a lock object there keeps two machines off one cluster. \
            Any machine with the name, region and bucket can then run status, install (resuming) and cleanup.
            """,
        subcommands: [StateInit.self, StatePushCommand.self])
}
