// Shared fixtures and helpers for the CartCore tests.

import CartCore
import Testing

/// A tiny seeded PRNG (SplitMix64) so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Predictable ids: `item_1`, `item_2`, …
struct SequentialIDs: IDSource {
    var count = 0

    mutating func next(prefix: String) -> String {
        count += 1
        return "\(prefix)\(count)"
    }
}

/// A fixed small catalog.
///
/// - `p1` Tea ₹499.00, stock 10, no variants.
/// - `p2` Shirt ₹1,000.00, stock 0 itself; variants `v1` Large +₹50.00 stock 5, `v2` Small −₹10.00 stock 0,
///   `v3` Medium inactive stock 9.
/// - `p3` Old ₹1.00 inactive, stock 100.
/// - `u1` Mug $5.00 stock 100.
/// - `p4` Lamp ₹2,500.00 stock 3.
enum Fixture {
    static func inr(_ minor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: minor) }
    static func usd(_ minor: Int64) -> Money { Money(currencyCode: "USD", amountMinor: minor) }

    static let p1 = Product(id: "p1", name: "Tea", price: inr(49_900), stock: 10)
    static let p2 = Product(
        id: "p2", name: "Shirt", price: inr(100_000), stock: 0,
        variants: [
            ProductVariant(id: "v1", name: "Large", additionalPrice: inr(5_000), stock: 5),
            ProductVariant(id: "v2", name: "Small", additionalPrice: inr(-1_000), stock: 0),
            ProductVariant(id: "v3", name: "Medium", additionalPrice: inr(0), active: false, stock: 9),
        ])
    static let p3 = Product(id: "p3", name: "Old", price: inr(100), active: false, stock: 100)
    static let u1 = Product(id: "u1", name: "Mug", price: usd(500), stock: 100)
    static let p4 = Product(id: "p4", name: "Lamp", price: inr(250_000), stock: 3)

    static var catalog: StaticCatalog { StaticCatalog([p1, p2, p3, u1, p4]) }

    static func emptyCart(currency: String = "INR") -> StoredCart {
        StoredCart.new(id: "cart_1", userID: "user-1", currency: currency, nowMs: 1_000, isGuest: false)
    }

    static func line(
        _ id: String, _ productID: String, _ variantID: String? = nil, quantity: Int64 = 1, added: Money
    ) -> CartLine {
        CartLine(
            id: id, productID: productID, variantID: variantID, quantity: quantity, addedUnitPrice: added,
            createdAtMs: 1_000)
    }

    static func cart(_ lines: [CartLine], version: UInt64 = 5, currency: String = "INR") -> StoredCart {
        var cart = emptyCart(currency: currency)
        cart.lines = lines
        cart.version = version
        return cart
    }
}

/// Applies a command with default rules, expected version 0 and predictable ids.
func apply(
    _ command: CartCommand, to cart: StoredCart, catalog: StaticCatalog = Fixture.catalog, expected: UInt64 = 0,
    rules: CartRules = CartRules(), nowMs: Int64 = 2_000
) throws(CartError) -> StoredCart {
    var ids = SequentialIDs(count: cart.lines.count + 100)
    return try rules.apply(command, to: cart, catalog: catalog, expectedVersion: expected, nowMs: nowMs, ids: &ids)
}

/// Runs `body` and expects a `CartError` of `kind` (and `reason`, and `message` when given).
@discardableResult
func expectCartError<T>(
    _ kind: ErrorKind, _ reason: CartError.Reason? = nil, message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(CartError) -> T
) -> CartError? {
    do throws(CartError) {
        let value = try body()
        Issue.record("expected a \(kind) error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        if let reason { #expect(error.reason == reason, sourceLocation: sourceLocation) }
        if let message { #expect(error.message == message, sourceLocation: sourceLocation) }
        return error
    }
}
