import Foundation

/// The Slinky releases the stack can deploy, and the Slurm release each one speaks.
public enum SlinkyVersions {
    public static let defaultVersion = "0.4.1"
    public static let slurmReleases = ["0.4.1": "25.05", "1.2.1": "26.05"]

    /// Refuses a blueprint whose Slinky release cannot run the slurmd image it would deploy: the operator and
    /// slurmd must speak the same Slurm release. A tag that does not start with a Slurm version cannot be told.
    public static func check(blueprintPath: String, slinkyVersion: String?, imageTag: String) throws {
        let version = slinkyVersion.flatMap { $0.isEmpty ? nil : $0 } ?? defaultVersion
        guard let slurm = slurmReleases[version] else {
            throw SlinkyError.blueprint(
                path: blueprintPath, problem: "slinky_version \"\(version)\" is not one slinky can deploy",
                hint: "set slinky_version to \(slurmReleases.keys.sorted().map { "\"\($0)\" (Slurm \(slurmReleases[$0]!))" }.joined(separator: " or "))")
        }
        guard let tagRelease = slurmRelease(ofTag: imageTag) else { return }
        if tagRelease != slurm {
            throw SlinkyError.blueprint(
                path: blueprintPath,
                problem: "slinky_version \(version) runs Slurm \(slurm), but the slurmd image tag \(imageTag) is Slurm \(tagRelease)",
                hint: "build a Slurm \(slurm) image (--tag \(slurm).…) or set slinky_version to the release for Slurm \(tagRelease)")
        }
    }

    /// "25.05" of "25.05.0-ubuntu24.04"; nil for a tag that does not start with a version.
    static func slurmRelease(ofTag tag: String) -> String? {
        let digits = tag.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard digits.count >= 2, !digits[0].isEmpty, digits[0].allSatisfy(\.isNumber) else { return nil }
        let minor = digits[1].prefix(while: \.isNumber)
        return minor.isEmpty ? nil : "\(digits[0]).\(minor)"
    }
}
