import Crypto
import Foundation

/// An ed25519 key pair in OpenSSH's own formats, made in-process (no ssh-keygen needed on the machine).
public struct OpenSSHKeyPair: Sendable {
    public let privateKeyPEM: String
    public let publicKeyLine: String

    public static func generate(comment: String) -> OpenSSHKeyPair {
        let key = Curve25519.Signing.PrivateKey()
        let publicRaw = key.publicKey.rawRepresentation
        let publicBlob = SSHWire.string("ssh-ed25519") + SSHWire.string(publicRaw)

        var checkBytes = [UInt8](repeating: 0, count: 4)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<4 { checkBytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let check = Data(checkBytes)

        // OpenSSH stores the 32-byte seed followed by the public key as the "private key" field.
        var secret = check + check
        secret += SSHWire.string("ssh-ed25519")
        secret += SSHWire.string(publicRaw)
        secret += SSHWire.string(key.rawRepresentation + publicRaw)
        secret += SSHWire.string(Data(comment.utf8))
        var pad: UInt8 = 1
        while secret.count % 8 != 0 {
            secret.append(pad)
            pad += 1
        }

        var body = Data("openssh-key-v1".utf8) + Data([0])
        body += SSHWire.string("none")
        body += SSHWire.string("none")
        body += SSHWire.string(Data())
        body += SSHWire.uint32(1)
        body += SSHWire.string(publicBlob)
        body += SSHWire.string(secret)

        let base64 = body.base64EncodedString()
        var wrapped: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            wrapped.append(String(base64[index..<end]))
            index = end
        }
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + wrapped.joined(separator: "\n") + "\n-----END OPENSSH PRIVATE KEY-----\n"
        let line = "ssh-ed25519 \(publicBlob.base64EncodedString()) \(comment)"
        return OpenSSHKeyPair(privateKeyPEM: pem, publicKeyLine: line)
    }
}

public enum OpenSSHKeyError: Error, Equatable, Sendable {
    case notOpenSSHFormat
    case malformed
}

public enum OpenSSHKeyInspection {
    /// The public key blob recorded in an OpenSSH private key's (always unencrypted) header.
    /// Works for passphrase-protected keys too, since only the private section is encrypted.
    public static func publicBlob(fromPrivateKey text: String) throws(OpenSSHKeyError) -> Data {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN OPENSSH PRIVATE KEY-----"),
            let end = lines.firstIndex(of: "-----END OPENSSH PRIVATE KEY-----"), end > begin
        else { throw .notOpenSSHFormat }
        guard let data = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else { throw .malformed }
        var reader = SSHWire.Reader(data: data)
        let magic = Data("openssh-key-v1".utf8) + Data([0])
        guard data.starts(with: magic) else { throw .notOpenSSHFormat }
        reader.offset = magic.count
        guard reader.readString() != nil, reader.readString() != nil, reader.readString() != nil,
            let count = reader.readUInt32(), count >= 1, let blob = reader.readString()
        else { throw .malformed }
        return blob
    }

    /// The blob of a `.pub` line ("ssh-ed25519 AAAA... comment").
    public static func publicBlob(fromPublicKeyLine line: String) -> Data? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return nil }
        return Data(base64Encoded: String(parts[1]))
    }

    public static func keyType(ofBlob blob: Data) -> String? {
        var reader = SSHWire.Reader(data: blob)
        return reader.readString().map { String(decoding: $0, as: UTF8.self) }
    }

    /// `SHA256:...` as `ssh-keygen -l` prints it.
    public static func fingerprint(ofBlob blob: Data) -> String {
        let digest = Data(SHA256.hash(data: blob))
        var text = digest.base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }
}

enum SSHWire {
    static func uint32(_ value: UInt32) -> Data {
        Data([UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)])
    }

    static func string(_ data: Data) -> Data { uint32(UInt32(data.count)) + data }
    static func string(_ text: String) -> Data { string(Data(text.utf8)) }

    struct Reader {
        let data: Data
        var offset = 0

        mutating func readUInt32() -> UInt32? {
            guard offset + 4 <= data.count else { return nil }
            let bytes = data[data.startIndex + offset..<data.startIndex + offset + 4]
            offset += 4
            return bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func readString() -> Data? {
            guard let length = readUInt32(), offset + Int(length) <= data.count else { return nil }
            let value = data[data.startIndex + offset..<data.startIndex + offset + Int(length)]
            offset += Int(length)
            return Data(value)
        }
    }
}
