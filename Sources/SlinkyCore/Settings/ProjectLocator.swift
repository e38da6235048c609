import Foundation

/// Finds the slinky checkout (terraform/, blueprints/, dockerfiles/) the commands work from.
public enum ProjectLocator {
    public static func locate(explicit: String?, currentDirectory: String, executablePath: String) throws -> String {
        if let explicit {
            let path = explicit.absolutePath(relativeTo: currentDirectory)
            guard fileKind("\(path)/terraform/stack.json") == .file else {
                throw SlinkyError.invalidInput(
                    "\(path) is not a slinky checkout (no terraform/stack.json)",
                    hint: "pass --project-dir with the folder that holds terraform/ and blueprints/")
            }
            return path
        }
        let resolvedExecutable = (executablePath as NSString).resolvingSymlinksInPath
        for start in [currentDirectory, (resolvedExecutable as NSString).deletingLastPathComponent] {
            var candidate = start
            while true {
                if fileKind("\(candidate)/terraform/stack.json") == .file { return candidate }
                let parent = (candidate as NSString).deletingLastPathComponent
                if parent == candidate || parent.isEmpty { break }
                candidate = parent
            }
        }
        throw SlinkyError.invalidInput(
            "cannot find slinky's terraform stack from \(currentDirectory)",
            hint: "run slinky inside its checkout, or pass --project-dir (or SLINKY_PROJECT_DIR)")
    }
}
