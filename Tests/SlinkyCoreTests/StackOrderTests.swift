import Foundation
import Testing
@testable import SlinkyCore

@Suite("Stack order (terraform/stack.json)")
struct StackOrderTests {
    var stackJSON: String { packageRoot + "/terraform/stack.json" }
    var awsDirectory: String { packageRoot + "/terraform/aws" }

    /// Names of the `module "<name>"` blocks declared in terraform/aws/*.tf.
    func declaredModules() throws -> Set<String> {
        var names = Set<String>()
        let files = try FileManager.default.contentsOfDirectory(atPath: awsDirectory).filter { $0.hasSuffix(".tf") }
        let pattern = try Regex(#"(?m)^\s*module\s+"([^"]+)"\s*\{"#)
        for file in files {
            let text = try String(contentsOfFile: "\(awsDirectory)/\(file)", encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { names.insert(String(name)) }
            }
        }
        return names
    }

    @Test("stack.json decodes, version 1, with apply and destroy targets")
    func decodes() throws {
        let order = try StackOrder.load(path: stackJSON)
        #expect(order.version == 1)
        #expect(!order.applyTargets.isEmpty)
        #expect(!(order.destroyTargetsBeforeSweep + order.destroyTargetsAfterSweep).isEmpty)
    }

    @Test("every target it names is a module block in terraform/aws")
    func targetsExist() throws {
        let order = try StackOrder.load(path: stackJSON)
        let modules = try declaredModules()
        #expect(!modules.isEmpty)
        for target in order.applyTargets + order.destroyTargetsBeforeSweep + order.destroyTargetsAfterSweep {
            #expect(target.hasPrefix("module."), "\(target) is not a module address")
            let name = String(target.dropFirst("module.".count))
            #expect(modules.contains(name), "\(target) is not declared in terraform/aws/*.tf (modules: \(modules.sorted()))")
        }
    }

    @Test("no target is destroyed twice")
    func destroyTargetsUnique() throws {
        let order = try StackOrder.load(path: stackJSON)
        let all = order.destroyTargetsBeforeSweep + order.destroyTargetsAfterSweep
        #expect(Set(all).count == all.count)
    }

    @Test("a missing stack file is a precondition error that points at --project-dir")
    func missingFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let error = #expect(throws: SlinkyError.self) { try StackOrder.load(path: dir.file("stack.json")) }
        #expect(error?.hint?.contains("--project-dir") == true)
    }
}
