import Foundation

/// What a soak run did, what the database held at the end, how cartd's memory moved, and what broke.
struct SoakReport: Encodable {
    var command: [String]
    var loadSeconds: Double
    var users: Int
    var workers: Int
    var watcherSlots: Int
    var reservationSeconds: Int
    var ledger: SoakLedger.State
    var database: Invariants.Counts
    var rss: RSSGrowth?
    var rssSamples: [RSSSampler.Sample]
    var violations: [String]

    private enum CodingKeys: String, CodingKey {
        case command, loadSeconds, users, workers, watcherSlots, reservationSeconds, calls, callsPerSecond,
             expectedErrors, unexpectedErrors, paidPayments, cancelledPayments, abandonedPayments, guestMerges,
             watchStreams, watchEvents, database, rss, rssSamples, violations
    }

    var totalCalls: Int { ledger.calls.values.reduce(0, +) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(loadSeconds, forKey: .loadSeconds)
        try container.encode(users, forKey: .users)
        try container.encode(workers, forKey: .workers)
        try container.encode(watcherSlots, forKey: .watcherSlots)
        try container.encode(reservationSeconds, forKey: .reservationSeconds)
        try container.encode(ledger.calls, forKey: .calls)
        try container.encode(Double(totalCalls) / max(loadSeconds, 1), forKey: .callsPerSecond)
        try container.encode(ledger.expectedErrors, forKey: .expectedErrors)
        try container.encode(ledger.unexpectedErrors, forKey: .unexpectedErrors)
        try container.encode(ledger.paidPayments.count, forKey: .paidPayments)
        try container.encode(ledger.cancelledPayments, forKey: .cancelledPayments)
        try container.encode(ledger.abandonedPayments, forKey: .abandonedPayments)
        try container.encode(ledger.guestMerges, forKey: .guestMerges)
        try container.encode(ledger.watchStreams, forKey: .watchStreams)
        try container.encode(ledger.watchEvents, forKey: .watchEvents)
        try container.encode(database, forKey: .database)
        try container.encodeIfPresent(rss, forKey: .rss)
        try container.encode(rssSamples, forKey: .rssSamples)
        try container.encode(violations, forKey: .violations)
    }

    /// The human-readable report.
    var text: String {
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        var lines = [
            String(format: "cart-soak: %.0f s of load, %d users on %d workers, %d watcher slots, reservations %d s",
                   loadSeconds, users, workers, watcherSlots, reservationSeconds),
            String(format: "load held: %d calls, %.0f calls/s", totalCalls, Double(totalCalls) / max(loadSeconds, 1)),
            "  by method: \(list(ledger.calls))",
            "  expected errors: \(list(ledger.expectedErrors))",
            "  unexpected errors: \(list(ledger.unexpectedErrors))",
            "payments: \(ledger.paidPayments.count) paid (confirm or webhook), \(ledger.cancelledPayments) cancelled, "
                + "\(ledger.abandonedPayments) left to expire; \(ledger.guestMerges) guest carts merged",
            "watch: \(ledger.watchStreams) streams opened, \(ledger.watchEvents) events",
            String(format: "database: %d active carts, %d orders, payments %@, %d idempotency records, %.1f MiB",
                   database.activeCarts, database.orders, list(database.paymentsByStatus), database.idempotencyRecords,
                   database.databaseMiB),
        ]
        if let rss {
            lines.append(String(format: "RSS: first %.0f s %.1f MiB, last %.0f s %.1f MiB, growth %+.1f MiB (%+.1f %%), peak %.1f MiB",
                                rss.windowSeconds, rss.firstMiB, rss.windowSeconds, rss.lastMiB, rss.growthMiB,
                                rss.growthPercent, rss.peakMiB))
        }
        let series = rssSamples.enumerated().filter { $0.offset % max(1, rssSamples.count / 12) == 0 }
            .map { String(format: "%.0fs:%.1f", $0.element.seconds, Double($0.element.bytes) / 1_048_576) }
        lines.append("  RSS samples (s:MiB): \(series.joined(separator: " "))")
        if violations.isEmpty {
            lines.append("invariants: all hold")
        } else {
            lines.append("invariants: \(violations.count) VIOLATIONS")
            lines += violations.prefix(40).map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
