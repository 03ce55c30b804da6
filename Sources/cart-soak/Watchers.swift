import CartClient
import CartCore
import Locking

/// WatchCart streams on random users, each kept 5–30 s and then replaced (so streams and their connections
/// come and go all the time). Every stream must deliver versions in increasing order; at the end each open
/// stream must reach its cart's final version.
///
/// Thread-safe: the last version each stream saw is kept behind a mutex.
final class WatchFleet: Sendable {
    private struct Seen {
        var userID: String
        var version: UInt64
    }

    private let seen = Locked<[Int: Seen]>([:])
    private let ledger: SoakLedger

    init(ledger: SoakLedger) { self.ledger = ledger }

    /// Runs `count` watcher slots until `deadline`, then keeps the last streams open until `stop` is cancelled.
    func run(count: Int, shoppers: [Shopper], until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<count {
                group.addTask { await self.slot(slot, shoppers: shoppers, deadline: deadline) }
            }
        }
    }

    private func slot(_ slot: Int, shoppers: [Shopper], deadline: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            let shopper = shoppers.randomElement()!
            let lifetime = ContinuousClock.now + .seconds(Int.random(in: 5...30))
            // The last stream of each slot stays open past the deadline, until the soak cancels the fleet.
            let last = lifetime >= deadline
            ledger.watchOpened()
            seen.withLock { $0[slot] = Seen(userID: shopper.userID, version: 0) }
            var previous: UInt64 = 0
            var replaced = false
            do {
                for try await cart in shopper.client.watchCart() {
                    ledger.watchEvent()
                    if cart.version <= previous {
                        ledger.violation("WatchCart of \(shopper.userID): version \(cart.version) after \(previous)")
                    }
                    previous = cart.version
                    seen.withLock { $0[slot]?.version = cart.version }
                    if !last, ContinuousClock.now >= lifetime {
                        replaced = true
                        break
                    }
                }
                if !replaced, !Task.isCancelled { ledger.violation("WatchCart of \(shopper.userID) ended before it was stopped") }
            } catch {
                if !Task.isCancelled { ledger.violation("WatchCart of \(shopper.userID) failed: \(error)") }
            }
            if last { break }
        }
        // Keep the slot's last stream registered until cancelled.
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
    }

    /// The streams whose last seen version differs from their user's final cart version.
    func lagging(finalVersions: [String: UInt64]) -> [String] {
        seen.withLock { seen in
            seen.values.compactMap { entry in
                let final = finalVersions[entry.userID] ?? 0
                return entry.version == final ? nil : "\(entry.userID): watcher at \(entry.version), cart at \(final)"
            }
        }
    }
}
