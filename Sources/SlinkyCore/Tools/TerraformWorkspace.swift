import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder terraform runs in when the state is remote: a copy of the stack plus the backend override.
/// The stack itself stays untouched, so clusters with local and remote state can share one checkout.
///
/// A copy, not links: terraform resolves a linked module folder to its real path and caches that in the
/// data directory, so a workspace of links would keep using the checkout it first saw.
public enum TerraformWorkspace {
    public static func prepare(stackDirectory: String, workspace: String, backendOverride: String, dataDirectory: String? = nil) throws {
        let fm = FileManager.default
        try AtomicFile.makeDirectory(workspace, permissions: 0o700)
        for entry in (try? fm.contentsOfDirectory(atPath: workspace)) ?? [] where entry != ".terraform.lock.hcl" {
            try fm.removeItem(atPath: "\(workspace)/\(entry)")
        }
        for entry in try fm.contentsOfDirectory(atPath: stackDirectory) {
            if entry == ".terraform" || entry.contains(".tfstate") || entry.hasSuffix("_override.tf") || entry.hasSuffix("_override.tf.json") {
                continue
            }
            let target = "\(workspace)/\(entry)"
            // Terraform may rewrite its lock file; the workspace keeps its own after the first copy.
            if entry == ".terraform.lock.hcl", fm.fileExists(atPath: target) { continue }
            try fm.copyItem(atPath: "\(stackDirectory)/\(entry)", toPath: target)
        }
        try AtomicFile.write(backendOverride, to: "\(workspace)/slinky_backend_override.tf", permissions: 0o600)
        // Module folders recorded by an earlier init that point elsewhere are dropped; the init step sees the
        // record missing and records them afresh.
        let record = "\(dataDirectory ?? "")/modules/modules.json"
        if dataDirectory != nil, let text = fm.contents(atPath: record).map({ String(decoding: $0, as: UTF8.self) }),
            text.contains(#""Dir":"/"#), !text.contains(#""Dir":"\#(workspace)"#) {
            try? fm.removeItem(atPath: record)
        }
    }
}
