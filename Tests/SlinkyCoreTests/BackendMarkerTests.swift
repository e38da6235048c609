import Foundation
import Testing
@testable import SlinkyCore

@Suite("The backend marker remembers where a cluster's lock is, so a re-run can take it beside the identity call")
struct BackendMarkerTests {
    let settings = ClusterSettings.installFixture
    let written = BackendMarker(
        bucket: "team-state", prefix: "slinky/111122223333/us-west-2/gpu-a/", since: Date(), bucketRegion: "eu-west-1")

    @Test("a marker naming the bucket, its region and this cluster's prefix gives the location a first run would find")
    func remembersTheWholeLocation() throws {
        let location = try #require(written.rememberedLocation(bucket: "team-state", settings: settings, environment: [:]))
        #expect(location == RemoteStateLocation(
            bucket: "team-state", bucketRegion: "eu-west-1", account: "111122223333", region: "us-west-2", cluster: "gpu-a",
            pathStyle: false))
        #expect(written.rememberedLocation(bucket: "team-state", settings: settings, environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"])?.pathStyle == true)
    }

    @Test("another bucket, a marker from before the region was remembered, or a prefix of another region or cluster: nothing is guessed")
    func guessesNothingElse() throws {
        #expect(written.rememberedLocation(bucket: "other-state", settings: settings, environment: [:]) == nil)
        var older = written
        older.bucketRegion = nil
        #expect(older.rememberedLocation(bucket: "team-state", settings: settings, environment: [:]) == nil)
        var elsewhere = settings
        elsewhere.region = "us-east-1"
        #expect(written.rememberedLocation(bucket: "team-state", settings: elsewhere, environment: [:]) == nil)
        var malformed = written
        malformed.prefix = "slinky//us-west-2/gpu-a/"
        #expect(malformed.rememberedLocation(bucket: "team-state", settings: settings, environment: [:]) == nil)
        // A marker written before this field existed still reads.
        let legacy = Data(#"{"bucket":"team-state","prefix":"slinky/111122223333/us-west-2/gpu-a/","since":"2026-01-01T00:00:00Z"}"#.utf8)
        let decoded = try JournalStore.decoder.decode(BackendMarker.self, from: legacy)
        #expect(decoded.bucketRegion == nil && decoded.bucket == "team-state")
    }
}
