import Foundation

/// What an image is built from: a Dockerfile (its folder is the build context), build arguments and labels.
///
/// The recipe's fingerprint is stamped on the image as a label, so a later `slinky image build` can tell from
/// the local image alone whether it already is the build of these exact inputs, without any journal.
public struct ImageRecipe: Sendable, Hashable {
    public var dockerfilePath: String
    public var buildArguments: [String: String]
    public var labels: [String: String]
    /// The nodes are x86 GPU instances, so every build targets amd64, also on an Apple Silicon laptop.
    public var platform: String

    public init(
        dockerfilePath: String, buildArguments: [String: String] = [:], labels: [String: String] = [:],
        platform: String = "linux/amd64"
    ) {
        self.dockerfilePath = dockerfilePath
        self.buildArguments = buildArguments
        self.labels = labels
        self.platform = platform
    }

    /// The label that records which inputs produced an image.
    public static let fingerprintLabel = "io.slinky.build-fingerprint"

    /// The labels slinky puts on every slurmd image it builds.
    public static func standardLabels(cluster: String) -> [String: String] {
        ["org.opencontainers.image.title": "slurmd", "io.slinky.cluster": cluster]
    }

    public var contextPath: String { (dockerfilePath as NSString).deletingLastPathComponent }

    public var dockerfileText: String { (try? String(contentsOfFile: dockerfilePath, encoding: .utf8)) ?? "" }

    /// A hash of every input that changes what `docker build` produces: platform, Dockerfile, the whole
    /// context folder, build arguments and labels (not the fingerprint label itself).
    public var fingerprint: String {
        var f = Fingerprint()
        f.add("platform", platform)
        f.add("dockerfile", data: FileManager.default.contents(atPath: dockerfilePath) ?? Data())
        f.add("context", SHA256Hex.hashTree(contextPath))
        for (key, value) in buildArguments.sorted(by: { $0.key < $1.key }) { f.add("build-arg \(key)", value) }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) where key != Self.fingerprintLabel {
            f.add("label \(key)", value)
        }
        return f.value
    }

    /// The docker build request for `reference`, stamped with this recipe's fingerprint.
    public func buildRequest(reference: String, cacheReference: String?) -> Docker.BuildRequest {
        var stamped = labels
        stamped[Self.fingerprintLabel] = fingerprint
        var request = Docker.BuildRequest(
            dockerfile: dockerfilePath, context: contextPath, imageReference: reference,
            buildArguments: buildArguments, labels: stamped, cacheReference: cacheReference)
        request.platform = platform
        return request
    }
}

/// An image's name in ECR: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`.
public struct ImageTarget: Sendable, Hashable {
    public var repositoryName: String
    public var repositoryURI: String
    public var tag: String

    public init(repositoryName: String, repositoryURI: String, tag: String) {
        self.repositoryName = repositoryName
        self.repositoryURI = repositoryURI
        self.tag = tag
    }

    public var reference: String { "\(repositoryURI):\(tag)" }
    /// The host part of the repository URI: what `docker login` takes.
    public var registry: String { repositoryURI.split(separator: "/").first.map(String.init) ?? repositoryURI }
    /// buildx keeps its layer cache beside the image, under a tag of its own.
    public var cacheReference: String { "\(repositoryURI):buildcache" }
    public func byDigest(_ digest: String) -> String { "\(repositoryURI)@\(digest)" }
}

/// An image in the local Docker engine.
public struct LocalImage: Sendable, Equatable {
    public var id: String
    /// `<repository>@sha256:…` for every registry this image was pushed to or pulled from.
    public var repoDigests: [String]
    public var labels: [String: String]

    public init(id: String, repoDigests: [String], labels: [String: String]) {
        self.id = id
        self.repoDigests = repoDigests
        self.labels = labels
    }

    public var buildFingerprint: String? { labels[ImageRecipe.fingerprintLabel] }

    /// Whether `docker push` or `pull` already tied this very image to `digest` in `repositoryURI`.
    public func isKnown(as digest: String, in repositoryURI: String) -> Bool {
        repoDigests.contains("\(repositoryURI)@\(digest)")
    }

    /// Parses `docker image inspect --format '{{json .}}'`.
    public static func parse(inspectJSON text: String) -> LocalImage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let id = object["Id"] as? String
        else { return nil }
        let config = object["Config"] as? [String: Any]
        return LocalImage(
            id: id, repoDigests: object["RepoDigests"] as? [String] ?? [],
            labels: config?["Labels"] as? [String: String] ?? [:])
    }
}
