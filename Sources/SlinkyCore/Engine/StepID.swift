/// A step's name as the journal, the logs, `status` and `--output json` spell it.
///
/// Ids are values, not string literals: each is declared once as a static member (Steps/StepIDs.swift), so a
/// misspelt dependency or output lookup fails to compile instead of waiting forever for a step that never runs.
public struct StepID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.rawValue < rhs.rawValue }

    // A bare string in the JSON and the journal, as before ids had a type.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
