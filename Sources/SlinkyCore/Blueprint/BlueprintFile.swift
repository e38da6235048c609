import Foundation

/// Reading and checking the blueprint, shared by preflight and the blueprint step.
public enum BlueprintFile {
    public static let managedKeys = ["image_repository", "image_tag", "ssh_key"]
    /// Everything slinky itself may write into a blueprint.
    public static let writtenKeys = managedKeys + ["image_digest", "login_allow_cidr"]

    public static func read(_ path: String) throws -> String {
        switch fileKind(path) {
        case .missing:
            throw SlinkyError.blueprint(path: path, problem: "the file does not exist", hint: "pass --blueprint with the path of your blueprint.tfvars")
        case .directory:
            throw SlinkyError.blueprint(path: path, problem: "it is a directory, not a file", hint: "pass --blueprint with the path of a .tfvars file")
        case .file:
            break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SlinkyError.blueprint(path: path, problem: "the file cannot be read", hint: "check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SlinkyError.blueprint(path: path, problem: "the file is not UTF-8 text", hint: "save it as UTF-8")
        }
        return text
    }

    public static func load(_ path: String) throws -> TfvarsDocument {
        let text = try read(path)
        do {
            return try TfvarsDocument(text: text)
        } catch {
            throw SlinkyError.blueprint(
                path: path, problem: "not valid HCL at line \(error.line): \(error.message)",
                hint: "fix that line (terraform would reject it too) and run again")
        }
    }

    public static func requireSetupValues(_ document: TfvarsDocument, path: String) throws {
        let missing = managedKeys.filter { (document.string($0) ?? "").isEmpty }
        guard missing.isEmpty else {
            throw SlinkyError.blueprint(
                path: path, problem: "--skip-setup needs \(missing.joined(separator: ", ")) set, and they are empty or missing",
                hint: "set them in the blueprint, or run without --skip-setup so slinky sets them")
        }
    }

    /// The blueprint without the values slinky writes, so steps that do not use them are not redone when they change.
    public static func contentExcludingManagedKeys(_ path: String) -> String {
        guard let document = try? load(path) else { return (try? read(path)) ?? "" }
        let managedLines = Set(document.attributes.filter { writtenKeys.contains($0.name) }.map(\.line))
        return document.lines.enumerated().filter { !managedLines.contains($0.offset) }.map(\.element).joined(separator: "\n")
    }
}
