// A seeded random walk of cart commands, guest merges, idempotent retries and catalog changes across a few users,
// through the store, checked after every step against an in-memory model that applies CartRules itself.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · property")
struct StorePropertyTests {
    static let rules = CartRules(maxLineQuantity: 8, maxLines: 3)
    static let users = ["u0", "u1", "u2", "g0", "g1"]
    /// Keys clients reuse for different requests (conflicts); other keys are fresh.
    static let reusedKeys = ["reused-0", "reused-1"]

    struct Stats {
        var applied = 0
        var changed = 0
        var replayed = 0
        var merges = 0
        var errors: [ErrorKind: Int] = [:]
        var reasons: [String: Int] = [:]
    }

    @Test("random walks match the model", arguments: [UInt64(11), 2024, 0xC0FFEE])
    func randomWalk(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let products = (0..<WalkGenerator.productCount).map { WalkGenerator.product($0, &rng) }
        try withStore(catalog: products) { store throws in
            var model = StoreModel(rules: Self.rules, catalog: StaticCatalog(products))
            var stats = Stats()
            var lastKeyed: WalkOp?
            for step in 1...1_500 {
                let nowMs = 1_000_000 + Int64(step) * 10
                if Int.random(in: 0..<25, using: &rng) == 0 {
                    try Self.changeCatalog(store, &model, &rng, step: step)
                }
                var op: WalkOp
                if let retry = lastKeyed, Int.random(in: 0..<6, using: &rng) == 0 {
                    op = retry  // A client retrying its last keyed request.
                } else {
                    op = Self.randomOp(model, step: step, &rng)
                    if op.mutation.idempotency != nil { lastKeyed = op }
                }
                op.mutation.nowMs = nowMs
                try Self.run(op, store, &model, &stats, step: step)
                try Self.checkInvariants(store, model, step: step)
            }
            #expect(stats.applied > 450 && stats.changed > 420, "\(stats)")
            #expect(stats.replayed > 50 && stats.merges > 80, "\(stats)")
            #expect(Set(stats.errors.keys) == [.invalidArgument, .notFound, .failedPrecondition, .aborted, .resourceExhausted],
                    "\(stats)")
        }
    }

    /// One request of the walk.
    enum WalkOp {
        case cart(CartMutation)
        case merge(guest: String, CartMutation)

        var mutation: CartMutation {
            get {
                switch self {
                case .cart(let mutation), .merge(_, let mutation): mutation
                }
            }
            set {
                switch self {
                case .cart: self = .cart(newValue)
                case .merge(let guest, _): self = .merge(guest: guest, newValue)
                }
            }
        }
    }

    static func randomOp(_ model: StoreModel, step: Int, _ rng: inout SplitMix64) -> WalkOp {
        let user = users.randomElement(using: &rng)!
        let key: String? =
            switch Int.random(in: 0..<24, using: &rng) {
            case 0: reusedKeys.randomElement(using: &rng)
            case 1..<6: "fresh-\(step)"
            default: nil
            }
        if Int.random(in: 0..<12, using: &rng) == 0 {
            let guest = Int.random(in: 0..<8, using: &rng) == 0 ? user : users.randomElement(using: &rng)!
            let idempotency = key.map { IdempotencyRequest(key: $0, fingerprint: .mergeGuestCart(guestUserID: guest)) }
            return .merge(
                guest: guest,
                CartMutation(
                    userID: user, command: .mergeGuest(lines: []), expectedVersion: 0, idempotency: idempotency,
                    nowMs: 0, defaultCurrency: "INR", isGuest: user.hasPrefix("g")))
        }
        let current = model.carts[user]
        let command = WalkGenerator.command(cart: current, catalog: model.catalog, &rng)
        let version = current?.version ?? 1
        let expected: UInt64 =
            switch Int.random(in: 0..<16, using: &rng) {
            case 0: version + 1
            case 1: version - 1
            case 2..<5: version
            default: 0
            }
        return .cart(SQLiteStore.mutation(command, user: user, expected: expected, key: key, guest: user.hasPrefix("g")))
    }

    static func run(_ op: WalkOp, _ store: SQLiteStore, _ model: inout StoreModel, _ stats: inout Stats, step: Int)
        throws
    {
        switch op {
        case .merge(let guest, let mutation):
            stats.merges += 1
            try Self.step(store, &model, &stats, mutation, step: step) {
                try store.mergeGuestCart(guestUserID: guest, into: mutation, rules: rules, encodeResult: encodeCart)
            } expected: { model, minted in
                model.merge(guest: guest, into: mutation, minted: minted)
            } closing: { guest }
        case .cart(let mutation):
            try Self.step(store, &model, &stats, mutation, step: step) {
                try store.mutate(mutation, rules: rules, encodeResult: encodeCart)
            } expected: { model, minted in
                model.mutate(mutation, minted: minted)
            } closing: { nil }
        }
    }

    /// Runs one mutation through the store and the model and compares outcome, cart, pricing and the database.
    static func step(
        _ store: SQLiteStore, _ model: inout StoreModel, _ stats: inout Stats, _ mutation: CartMutation, step: Int,
        run: () throws -> CartMutationOutcome, expected: (StoreModel, [String]) -> ExpectedOutcome,
        closing: () -> String?
    ) throws {
        let before = try store.dump()
        let user = mutation.userID
        let baseIDs = Set(model.carts[user]?.lines.map(\.id) ?? [])
        let outcome = Result(catching: run)
        var minted: [String] = []
        if case .success(.applied(let result)) = outcome {
            minted = result.cart.lines.map(\.id).filter { !baseIDs.contains($0) }
        }
        let context = "step \(step): \(mutation.command) by \(user) expecting \(mutation.expectedVersion)"
        switch (outcome, expected(model, minted)) {
        case (.success(.replayed(let bytes)), .replay(let stored)):
            stats.replayed += 1
            #expect(bytes == stored, "\(context)")
            #expect(try store.dump() == before, "\(context): a replay changed the database")
        case (.failure(let error), .failure(let modelError)):
            stats.errors[modelError.kind, default: 0] += 1
            stats.reasons["\(modelError.reason)".prefix(while: { $0 != "(" }).description, default: 0] += 1
            #expect(error as? CartError == modelError, "\(context): \(error)")
            #expect(try store.dump() == before, "\(context): a failure changed the database")
        case (.success(.applied(let result)), .applied(var base, var next, let created, let closesGuest)):
            stats.applied += 1
            if created {
                base.id = result.cart.id
                next.id = result.cart.id
            }
            #expect(result.cart == next, "\(context)")
            #expect(result.created == created, "\(context)")
            #expect(result.changed == (next != base), "\(context)")
            #expect(result.cart.version == base.version + (result.changed ? 1 : 0), "\(context)")
            if result.changed { stats.changed += 1 }
            let priced = try CartPricer.price(next, catalog: model.catalog)
            #expect(result.priced == priced, "\(context)")
            checkTotals(result.priced, next, context: context)
            model.carts[user] = next
            if closesGuest, let guest = closing() {
                model.carts[guest] = nil
                model.closedCarts += 1
            }
            if let idempotency = mutation.idempotency {
                model.records[StoreModel.recordKey(user, idempotency.key)] = IdempotencyRecord(
                    userID: user, key: idempotency.key, fingerprint: idempotency.fingerprint,
                    result: try encodeCart(result.priced), createdAtMs: mutation.nowMs)
            }
        case (let got, let want):
            Issue.record("\(context): store \(got), model \(want)")
        }
    }

    /// Totals recomputed from the lines.
    static func checkTotals(_ priced: PricedCart, _ cart: StoredCart, context: String) {
        #expect(priced.itemsCount == cart.lines.count, "\(context)")
        #expect(priced.totalItems == cart.lines.reduce(0) { $0 + $1.quantity }, "\(context)")
        var total: Int64 = 0
        for (item, line) in zip(priced.items, cart.lines) {
            #expect(item.id == line.id && item.quantity == line.quantity, "\(context)")
            #expect(item.totalPrice.amountMinor == item.unitPrice.amountMinor * line.quantity, "\(context)")
            if item.available { total += item.totalPrice.amountMinor }
        }
        #expect(priced.totalPrice == Money(currencyCode: cart.currencyCode, amountMinor: total), "\(context)")
        #expect(priced.hasUnavailableItems == priced.items.contains { !$0.available }, "\(context)")
    }

    static func checkInvariants(_ store: SQLiteStore, _ model: StoreModel, step: Int) throws {
        let duplicates = try store.count("""
            SELECT COUNT(*) FROM (SELECT user_id FROM carts WHERE status = 'active' GROUP BY user_id HAVING COUNT(*) > 1)
            """)
        #expect(duplicates == 0, "step \(step): a user has two active carts")
        #expect(try store.count("SELECT COUNT(*) FROM carts WHERE status = 'active'") == model.carts.count)
        #expect(try store.count("SELECT COUNT(*) FROM carts WHERE status = 'merged'") == model.closedCarts)
        #expect(try store.count("SELECT COUNT(*) FROM cart_items WHERE quantity < 1 OR quantity > ?",
                                [rules.maxLineQuantity]) == 0, "step \(step)")
        #expect(try store.count("SELECT COUNT(*) FROM products WHERE stock < 0") == 0)
        #expect(try store.count("SELECT COUNT(*) FROM product_variants WHERE stock < 0") == 0)
        #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == model.records.count)
        for user in users {
            #expect(try store.activeCart(userID: user) == model.carts[user], "step \(step): \(user)")
        }
    }

    /// One random catalog change, applied to the store and the model alike.
    static func changeCatalog(_ store: SQLiteStore, _ model: inout StoreModel, _ rng: inout SplitMix64, step: Int)
        throws
    {
        let index = Int.random(in: 0..<WalkGenerator.productCount, using: &rng)
        let productID = "p\(index)"
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<12:
            let variantID: String? =
                Int.random(in: 0..<2, using: &rng) == 0 ? nil : "p\(index)-v\(Int.random(in: 0...1, using: &rng))"
            let stock = Int64.random(in: 0...12, using: &rng)
            var expected = model.catalog.product(id: productID)
            if let variantID {
                if let position = expected?.variants.firstIndex(where: { $0.id == variantID }) {
                    expected?.variants[position].stock = stock
                } else {
                    expected = nil
                }
            } else {
                expected?.stock = stock
            }
            if let expected {
                #expect(try store.setStock(productID: productID, variantID: variantID, stock: stock) == expected)
                model.catalog.upsert(expected)
            } else {
                try expectUnchanged(store, .notFound) {
                    try store.setStock(productID: productID, variantID: variantID, stock: stock)
                }
            }
        case 12..<19:
            let product = WalkGenerator.product(index, &rng)
            #expect(try store.upsertProducts([product]) == 1)
            model.catalog.upsert(product)
        default:
            #expect(try store.deleteProduct(id: productID) == (model.catalog.product(id: productID) != nil))
            model.catalog.remove(id: productID)
        }
        #expect(store.cachedCatalog == model.catalog, "step \(step): the cache drifted")
        #expect(try store.catalogFromDatabase() == model.catalog, "step \(step): the database drifted")
    }
}
