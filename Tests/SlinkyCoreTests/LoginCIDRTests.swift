import Testing
@testable import SlinkyCore

@Suite("The login load balancer's source range")
struct LoginCIDRTests {
    @Test("ordinary IPv4 ranges are accepted", arguments: ["203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8"])
    func accepted(_ cidr: String) throws {
        try LoginCIDR.validate(cidr)
    }

    @Test("malformed ranges are refused", arguments: ["203.0.113.7", "203.0.113.256/32", "1.2.3/24", "1.2.3.4/33", "01.2.3.4/32", "1.2.3.4/ 32", "::/0"])
    func refused(_ cidr: String) {
        #expect(throws: SlinkyError.self) { try LoginCIDR.validate(cidr) }
    }

    @Test("the whole internet is refused with a hint that says how to mean it")
    func openToTheInternet() {
        do {
            try LoginCIDR.validate("0.0.0.0/0")
            Issue.record("0.0.0.0/0 must be refused")
        } catch let error as SlinkyError {
            #expect(error.message.contains("whole internet"))
            #expect(error.hint?.contains("allow_open_login") == true)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("the blueprint fingerprint of targeted applies ignores every value slinky writes")
    func writtenKeysAreExcluded() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.file("bp.tfvars")
        try "name = \"a\"\nimage_tag = \"v1\"\nlogin_allow_cidr = \"192.0.2.1/32\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let first = BlueprintFile.contentExcludingManagedKeys(path)
        try "name = \"a\"\nimage_tag = \"v2\"\nlogin_allow_cidr = \"192.0.2.9/32\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(BlueprintFile.contentExcludingManagedKeys(path) == first)
        try "name = \"b\"\nimage_tag = \"v2\"\nlogin_allow_cidr = \"192.0.2.9/32\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(BlueprintFile.contentExcludingManagedKeys(path) != first)
    }
}
