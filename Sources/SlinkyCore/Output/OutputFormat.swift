import Foundation
import Synchronization

public enum OutputFormat: String, Sendable, CaseIterable {
    case text, json
}
