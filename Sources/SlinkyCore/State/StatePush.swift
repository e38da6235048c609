import Foundation

/// `slinky state push`: moves one cluster's state from this machine into a bucket, losing nothing.
///
/// Terraform moves its own state (`init -migrate-state`), so the copy is what terraform itself reads; the
/// push then checks that the bucket's state lists the same resources with the same ids before the local
/// file is renamed aside (kept, never deleted).
public struct StatePush: Sendable {
    public let settings: ClusterSettings
    public let bucket: String
    public let runner: ProcessRunner

    public init(settings: ClusterSettings, bucket: String, runner: ProcessRunner) {
        self.settings = settings
        self.bucket = bucket
        self.runner = runner
    }

    public func run() async throws -> [String] {
        var settings = settings
        try AtomicFile.makeDirectory(settings.stateDirectory, permissions: 0o700)
        let localLock = ClusterLock(path: settings.lockPath)
        try localLock.acquire(cluster: settings.cluster, command: "slinky state push")
        defer { localLock.release() }

        let localStateExists = FileManager.default.fileExists(atPath: settings.terraformStatePath)
        let localJournal = try JournalStore.load(path: settings.journalPath)
        if let marker = BackendMarker.read(stateDirectory: settings.stateDirectory), marker.bucket == bucket, !localStateExists {
            return ["cluster \(settings.cluster)'s state is already in s3://\(bucket)/\(marker.prefix); nothing to push"]
        }
        guard localStateExists || localJournal != nil else {
            throw SlinkyError.precondition(
                "slinky has no local state for cluster \(settings.cluster) in \(settings.stateDirectory)",
                hint: "pass the --name (and --state-dir) the cluster was installed with")
        }

        if let recorded = localJournal?.region, recorded != settings.region {
            throw SlinkyError.invalidInput(
                "cluster \(settings.cluster) is recorded in \(recorded), not \(settings.region)", hint: "pass --region \(recorded)")
        }
        let bucketView = try await SharedStateReader.open(
            bucket: bucket, settings: settings, runner: runner, environment: ProcessInfo.processInfo.environment)
        let (location, objects) = (bucketView.location, bucketView.objects)
        let lock = RemoteRunLock(objects: objects, key: location.lockKey)
        try await lock.acquire(cluster: settings.cluster, command: "slinky state push")
        do {
            let lines = try await push(settings: &settings, location: location, objects: objects, localJournal: localJournal, localStateExists: localStateExists)
            await lock.release()
            return lines
        } catch {
            await lock.release()
            throw error
        }
    }

    private func push(
        settings: inout ClusterSettings, location: RemoteStateLocation, objects: S3Objects, localJournal: Journal?,
        localStateExists: Bool
    ) async throws -> [String] {
        let existing = try await objects.keys(prefix: location.prefix).filter { !$0.hasSuffix("run.lock") }
        guard existing.isEmpty else {
            throw SlinkyError.precondition(
                "\(location.url) already holds state for cluster \(settings.cluster) (\(existing.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))); nothing was pushed",
                hint: "use that state (`slinky status --name \(settings.cluster) --state-bucket \(bucket)`), or choose another --name")
        }
        var lines: [String] = []
        let logDirectory = "\(settings.stateDirectory)/logs/\(RunDriver.stamp.string(from: Date()))-state-push"
        try AtomicFile.makeDirectory(logDirectory, permissions: 0o700)
        let log = StepLog(path: "\(logDirectory)/terraform.log", stepID: .statePush, events: nil)
        defer { log.close() }

        if localStateExists {
            let local = ClusterEnvironment(settings: settings, runner: runner).terraform
            try AtomicFile.makeDirectory(settings.terraformDataDirectory, permissions: 0o700)
            try await local.run(local.initialize, log: log)
            let before = Set(try await local.resources(log: log))
            let localIdentities = try Self.identities(FileManager.default.contents(atPath: settings.terraformStatePath))

            try TerraformWorkspace.prepare(
                stackDirectory: settings.stackDirectory, workspace: settings.terraformWorkspace,
                backendOverride: location.terraformBackendOverride, dataDirectory: settings.terraformDataDirectory)
            settings.remoteState = location
            let remote = ClusterEnvironment(settings: settings, runner: runner).terraform
            try await remote.run(remote.migrateToRemote, log: log)
            let after = Set(try await remote.resources(log: log))
            let remoteIdentities = try Self.identities(try await objects.get(location.terraformStateKey)?.data)
            guard after == before, remoteIdentities == localIdentities else {
                throw SlinkyError.precondition(
                    "the state terraform copied to \(objects.url(location.terraformStateKey)) does not match the local one (\(before.count) resources here, \(after.count) there); the local file is untouched",
                    hint: "look at \(log.path), then delete the copy in the bucket and push again")
            }
            let aside = settings.terraformStatePath + ".pushed-" + RunDriver.stamp.string(from: Date())
            try FileManager.default.moveItem(atPath: settings.terraformStatePath, toPath: aside)
            lines.append("terraform state (\(after.count) resources, every id the same) moved to \(objects.url(location.terraformStateKey)); the local copy is kept as \(aside)")
        }
        if let localJournal {
            try await objects.put(location.journalKey, try JournalStore.encoder.encode(localJournal), condition: .absent)
            lines.append("journal copied to \(objects.url(location.journalKey))")
        }
        if let blueprint = FileManager.default.contents(atPath: settings.blueprintPath) {
            try await objects.put(location.blueprintKey, blueprint)
            lines.append("blueprint \(settings.blueprintPath) copied to \(objects.url(location.blueprintKey))")
        }
        try BackendMarker(bucket: bucket, prefix: location.prefix, since: Date(), bucketRegion: location.bucketRegion)
            .write(stateDirectory: settings.stateDirectory)
        lines.append("from now on, commands for \(settings.cluster) on this machine use the bucket; elsewhere pass --state-bucket \(bucket)")
        return lines
    }

    /// Resource instance address → its id: what must survive a move. Terraform gives the copy a new lineage,
    /// so the lineage cannot be compared.
    static func identities(_ data: Data?) throws -> [String: String] {
        guard let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["version"] != nil else {
            throw SlinkyError.precondition("a terraform state file could not be read as terraform state", hint: "")
        }
        var identities: [String: String] = [:]
        for resource in object["resources"] as? [[String: Any]] ?? [] {
            let address = [resource["module"] as? String, resource["mode"] as? String, resource["type"] as? String, resource["name"] as? String]
                .compactMap { $0 }.joined(separator: ".")
            for (position, instance) in (resource["instances"] as? [[String: Any]] ?? []).enumerated() {
                let key = instance["index_key"].map { "[\($0)]" } ?? (position == 0 ? "" : "[#\(position)]")
                let attributes = instance["attributes"] as? [String: Any] ?? [:]
                identities[address + key] = (attributes["id"] as? String) ?? (attributes["arn"] as? String) ?? ""
            }
        }
        return identities
    }
}
