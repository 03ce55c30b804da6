// Shared fixtures of the CartClient tests: carts, a manual clock, polling.

import CartCore
import Locking

/// ₹ in paise.
func inr(_ amountMinor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: amountMinor) }

/// A priced line.
func line(_ id: String, product: String = "tee-classic", variant: String = "", name: String = "Classic Tee",
          variantName: String = "", quantity: Int64 = 1, unit: Int64 = 49900,
          problems: [ItemProblem] = []) -> PricedItem {
    PricedItem(id: id, productID: product, variantID: variant, productName: name, variantName: variantName,
               quantity: quantity, unitPrice: inr(unit), totalPrice: inr(unit * quantity),
               available: !problems.contains { $0.code.makesLineUnavailable }, problems: problems)
}

/// A priced cart holding `items`, totals computed.
func pricedCart(id: String = "cart-1", version: UInt64, items: [PricedItem] = [], updatedAtMs: Int64 = 1_000)
    -> PricedCart {
    let available = items.filter(\.available)
    return PricedCart(id: id, userID: "alice", version: version, currencyCode: "INR", items: items,
                      itemsCount: items.count, totalItems: items.reduce(0) { $0 + $1.quantity },
                      totalPrice: inr(available.reduce(0) { $0 + $1.totalPrice.amountMinor }),
                      hasUnavailableItems: available.count != items.count, createdAtMs: 500, updatedAtMs: updatedAtMs)
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let base = ContinuousClock.now
    private let offset = Locked(Duration.zero)

    /// The current instant.
    func now() -> ContinuousClock.Instant { base + offset.withLock { $0 } }

    /// Moves the clock forward.
    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}

/// Polls `condition` every 5 ms for up to 5 s.
/// - Returns: Whether it became true.
func eventually(_ condition: () async -> Bool) async -> Bool {
    for _ in 0..<1000 {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return false
}
