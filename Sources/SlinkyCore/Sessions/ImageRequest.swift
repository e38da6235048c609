import Foundation

/// The three `slinky image` commands.
public enum ImageAction: String, Sendable, CaseIterable {
    case build, push, verify
}

/// What one `slinky image` command was asked to do, beyond the repository, tag and Dockerfile in the settings.
public struct ImageRequest: Sendable {
    public var action: ImageAction
    /// `image build --build-arg KEY=VALUE`.
    public var buildArguments: [String: String]
    /// `image verify --expect KEY=VALUE`: STACK_EXPECT_<KEY> for the check, overriding the image's own.
    public var expectations: [String: String]
    /// `image verify --skip-check NAME`: STACK_CHECK_SKIP.
    public var skipChecks: [String]

    public init(action: ImageAction, buildArguments: [String: String] = [:], expectations: [String: String] = [:], skipChecks: [String] = []) {
        self.action = action
        self.buildArguments = buildArguments
        self.expectations = expectations
        self.skipChecks = skipChecks
    }
}
