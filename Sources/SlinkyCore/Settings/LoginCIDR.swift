import Foundation

/// The source range of the login load balancer.
public enum LoginCIDR {
    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let value = Int(part), (0...255).contains(value) else { return false }
            return String(value) == part
        }
    }

    public static func validate(_ cidr: String) throws {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv4(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix),
            String(prefix) == parts[1]
        else {
            throw SlinkyError.invalidInput(
                "\"\(cidr)\" is not an IPv4 CIDR", hint: "pass --allow-cidr like 203.0.113.7/32 or 198.51.100.0/24")
        }
        if prefix == 0 {
            throw SlinkyError.invalidInput(
                "--allow-cidr \(cidr) would open SSH to the login node to the whole internet",
                hint: "pass your own range; if you really mean it, set login_allow_cidr and allow_open_login = true in the blueprint yourself")
        }
    }
}
