// The in-memory model the property test runs beside the store: carts, catalog and idempotency records, changed
// with CartRules exactly as the store should change its rows. Also the random generators of the walk.

import CartCore
import Foundation
import Testing

/// Hands out the line ids the store minted, so the model's lines can be compared whole.
struct ReplayedIDs: IDSource {
    var ids: [String]
    var extra = 0

    mutating func next(prefix: String) -> String {
        guard ids.isEmpty else { return ids.removeFirst() }
        extra += 1
        return "\(prefix)model-only-\(extra)"
    }
}

/// What the model says a mutation must do.
enum ExpectedOutcome {
    /// Return the stored bytes, change nothing.
    case replay([UInt8])
    /// Fail with exactly this error, change nothing.
    case failure(CartError)
    /// Commit: `base` is the cart before (a placeholder when `created`), `next` the cart after.
    case applied(base: StoredCart, next: StoredCart, created: Bool, closesGuest: Bool)
}

/// The expected state of the store.
struct StoreModel {
    static let pendingID = "cart_pending"

    let rules: CartRules
    var catalog: StaticCatalog
    /// Active carts by user.
    var carts: [String: StoredCart] = [:]
    /// Idempotency records by user and key.
    var records: [String: IdempotencyRecord] = [:]
    /// Carts closed by merges.
    var closedCarts = 0

    static func recordKey(_ user: String, _ key: String) -> String { "\(user)\u{1}\(key)" }

    func cart(of user: String, nowMs: Int64) -> (cart: StoredCart, missing: Bool) {
        if let cart = carts[user] { return (cart, false) }
        let cart = StoredCart.new(
            id: Self.pendingID, userID: user, currency: "INR", nowMs: nowMs, isGuest: user.hasPrefix("g"))
        return (cart, true)
    }

    /// The idempotency decision, as a replay or failure outcome; `nil` to execute.
    func idempotency(_ request: IdempotencyRequest?, user: String, nowMs: Int64) -> ExpectedOutcome? {
        guard let request else { return nil }
        do throws(CartError) {
            let existing = records[Self.recordKey(user, request.key)]
            switch try IdempotencyRecord.decide(existing: existing, fingerprint: request.fingerprint, nowMs: nowMs) {
            case .replay(let bytes): return .replay(bytes)
            case .execute: return nil
            }
        } catch {
            return .failure(error)
        }
    }

    /// What `mutate` must do; `minted` are the line ids the store created (in order).
    func mutate(_ mutation: CartMutation, minted: [String]) -> ExpectedOutcome {
        if let decided = idempotency(mutation.idempotency, user: mutation.userID, nowMs: mutation.nowMs) {
            return decided
        }
        let (base, missing) = cart(of: mutation.userID, nowMs: mutation.nowMs)
        var ids = ReplayedIDs(ids: minted)
        do throws(CartError) {
            let next = try rules.apply(
                mutation.command, to: base, catalog: catalog, expectedVersion: mutation.expectedVersion,
                nowMs: mutation.nowMs, ids: &ids)
            return .applied(base: base, next: next, created: missing, closesGuest: false)
        } catch {
            return .failure(error)
        }
    }

    /// What `mergeGuestCart` must do.
    func merge(guest: String, into mutation: CartMutation, minted: [String]) -> ExpectedOutcome {
        guard guest != mutation.userID else {
            return .failure(CartError.invalidField("guest_token", "a cart cannot be merged into itself"))
        }
        if let decided = idempotency(mutation.idempotency, user: mutation.userID, nowMs: mutation.nowMs) {
            return decided
        }
        let (base, missing) = cart(of: mutation.userID, nowMs: mutation.nowMs)
        guard let guestCart = carts[guest] else {
            return .applied(base: base, next: base, created: missing, closesGuest: false)
        }
        var ids = ReplayedIDs(ids: minted)
        do throws(CartError) {
            let next = try rules.apply(
                .mergeGuest(lines: guestCart.lines), to: base, catalog: catalog,
                expectedVersion: mutation.expectedVersion, nowMs: mutation.nowMs, ids: &ids)
            return .applied(base: base, next: next, created: missing, closesGuest: true)
        } catch {
            return .failure(error)
        }
    }
}

/// Random products, catalog changes and commands for the walk.
enum WalkGenerator {
    static let productCount = 5

    static func product(_ index: Int, _ rng: inout SplitMix64) -> Product {
        let currency = index == productCount - 1 ? "USD" : "INR"
        let variants = (0..<Int.random(in: 0...2, using: &rng)).map { number in
            ProductVariant(
                id: "p\(index)-v\(number)", name: "Option \(number)",
                additionalPrice: Money(currencyCode: currency, amountMinor: Int64.random(in: -50...500, using: &rng)),
                active: Int.random(in: 0..<10, using: &rng) > 0, stock: Int64.random(in: 0...15, using: &rng))
        }
        return Product(
            id: "p\(index)", name: "Product \(index)",
            price: Money(currencyCode: currency, amountMinor: Int64.random(in: 100...10_000, using: &rng)),
            active: Int.random(in: 0..<10, using: &rng) > 0, stock: Int64.random(in: 0...15, using: &rng),
            variants: variants)
    }

    static func quantity(_ rng: inout SplitMix64, allowZero: Bool) -> Int64 {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: return allowZero ? 0 : Int64.random(in: -3...0, using: &rng)
        case 1: return Int64.random(in: -3...(-1), using: &rng)
        case 2, 3: return Int64.random(in: 5...10, using: &rng)
        default: return Int64.random(in: 1...4, using: &rng)
        }
    }

    static func command(cart: StoredCart?, catalog: StaticCatalog, _ rng: inout SplitMix64) -> CartCommand {
        let lineIDs = cart?.lines.map(\.id) ?? []
        let itemID =
            lineIDs.isEmpty || Int.random(in: 0..<8, using: &rng) == 0
            ? "item_ghost" : lineIDs.randomElement(using: &rng)!
        let roll = lineIDs.isEmpty && Int.random(in: 0..<4, using: &rng) > 0 ? 0 : Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<50:
            let productID =
                Int.random(in: 0..<12, using: &rng) == 0 ? "ghost" : "p\(Int.random(in: 0..<productCount, using: &rng))"
            let own = catalog.product(id: productID)?.variants.map(\.id) ?? []
            let anyVariant = "p\(Int.random(in: 0..<productCount, using: &rng))-v\(Int.random(in: 0...1, using: &rng))"
            let variantID: String? =
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: anyVariant
                case 1: nil
                default: own.randomElement(using: &rng)
                }
            return .add(productID: productID, variantID: variantID, quantity: quantity(&rng, allowZero: false))
        case 50..<75:
            return .update(itemID: itemID, quantity: quantity(&rng, allowZero: true))
        case 75..<93:
            return .remove(itemID: itemID)
        default:
            return .clear
        }
    }
}
