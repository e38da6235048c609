import Foundation

/// What `slinky status` and `slinky list` both say of a cluster first, straight from its journal.
protocol JournalHeadline {
    var cluster: String { get set }
    var region: String? { get set }
    var account: String? { get set }
    var lastCommand: String? { get set }
    var lastResult: String? { get set }
    var updatedAt: Date? { get set }
}

extension JournalHeadline {
    mutating func takeHeadline(from journal: Journal) {
        cluster = journal.cluster
        region = journal.region
        account = journal.account
        lastCommand = journal.lastCommand
        lastResult = journal.lastResult
        updatedAt = journal.updatedAt
    }
}
