// MergeGuestCart in the SQLite store: lines move, the guest cart closes, merging twice is a no-op.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · guest merge")
struct GuestMergeStoreTests {
    /// guest holds p1 × 30, p2/v1 × 2, p4 × 1 (version 4); alice holds p1 × 40 (version 2).
    static func withCarts(_ body: (SQLiteStore, _ guestCart: StoredCart) throws -> Void) throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 30), user: "guest", nowMs: 10)
            try store.apply(.add(productID: "p2", variantID: "v1", quantity: 2), user: "guest", nowMs: 20)
            let guest = try store.apply(.add(productID: "p4", variantID: nil, quantity: 1), user: "guest", nowMs: 30)
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 40), user: "alice", nowMs: 40)
            try body(store, guest.cart)
        }
    }

    @Test func linesMoveAndTheGuestCartCloses() throws {
        try Self.withCarts { store, guestCart throws in
            let result = try store.merge(guest: "guest", into: "alice", nowMs: 100).applied()
            #expect(result.changed && !result.created && result.cart.version == 3 && result.cart.updatedAtMs == 100)
            #expect(result.cart.lines.map(\.productID) == ["p1", "p2", "p4"])
            #expect(result.cart.lines.map(\.quantity) == [50, 2, 1], "40 + 30 capped at 50")
            #expect(result.cart.lines[1].variantID == "v1" && result.cart.lines[1].createdAtMs == 20)
            #expect(Set(result.cart.lines.map(\.id)).isDisjoint(with: guestCart.lines.map(\.id)), "fresh line ids")
            #expect(result.priced.totalPrice == Fixture.inr(50 * 49_900 + 2 * 105_000 + 250_000))
            #expect(try store.activeCart(userID: "alice") == result.cart)

            #expect(try store.activeCart(userID: "guest") == nil)
            let closed = try store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT status, version, updated_at_ms FROM carts WHERE id = ?",
                                 arguments: [guestCart.id])
            }
            let status: String? = closed?["status"]
            let version: Int64? = closed?["version"]
            let updatedAtMs: Int64? = closed?["updated_at_ms"]
            #expect(status == "merged" && version == 5 && updatedAtMs == 100)
            #expect(try store.count("SELECT COUNT(*) FROM cart_items WHERE cart_id = ?", [guestCart.id]) == 3,
                    "the closed cart keeps its own lines")

            // GetCart for the guest now creates a new, empty cart.
            let (fresh, created) = try store.getCart("guest", nowMs: 200)
            #expect(created && fresh.id != guestCart.id && fresh.version == 1 && fresh.items.isEmpty)
            #expect(try store.count("SELECT COUNT(*) FROM carts WHERE user_id = 'guest'") == 2)
        }
    }

    @Test func mergingAgainIsANoOp() throws {
        try Self.withCarts { store, _ throws in
            let first = try store.merge(guest: "guest", into: "alice", nowMs: 100).applied()
            // No active guest cart at all.
            let before = try store.dump()
            let second = try store.merge(guest: "guest", into: "alice", nowMs: 200).applied()
            #expect(!second.changed && !second.created && second.cart == first.cart && second.priced == first.priced)
            #expect(try store.dump() == before)
            // The guest opened a new (empty) cart meanwhile.
            _ = try store.getCart("guest", nowMs: 300)
            let third = try store.merge(guest: "guest", into: "alice", nowMs: 400).applied()
            #expect(!third.changed && third.cart == first.cart && third.cart.version == 3)
            #expect(try store.activeCart(userID: "alice") == first.cart)
            #expect(try store.count("SELECT COUNT(*) FROM carts WHERE user_id = 'alice'") == 1)
        }
    }

    @Test func mergingIntoAMissingCartCreatesIt() throws {
        try Self.withCarts { store, guestCart throws in
            let result = try store.merge(guest: "guest", into: "bob", nowMs: 100).applied()
            #expect(result.created && result.changed && result.cart.version == 2)
            #expect(result.cart.lines.map(\.quantity) == guestCart.lines.map(\.quantity))
            #expect(result.cart.lines.map(\.addedUnitPrice) == guestCart.lines.map(\.addedUnitPrice))
            // A merge from a user who never had a cart creates the caller's cart, unchanged otherwise.
            let nobody = try store.merge(guest: "nobody", into: "carol", nowMs: 100).applied()
            #expect(nobody.created && !nobody.changed && nobody.cart.version == 1)
            #expect(try store.activeCart(userID: "nobody") == nil)
        }
    }

    @Test func mergingIntoItselfIsRejected() throws {
        try Self.withCarts { store, _ throws in
            try expectUnchanged(store, .invalidArgument, .invalidField("guest_token")) {
                try store.merge(guest: "alice", into: "alice")
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("guest_token")) {
                try store.merge(guest: "guest", into: "guest", key: "k")
            }
        }
    }

    @Test func mergeIsIdempotentWithAKey() throws {
        try Self.withCarts { store, _ throws in
            let first = try store.merge(guest: "guest", into: "alice", key: "m1", nowMs: 100).applied()
            let before = try store.dump()
            #expect(try store.merge(guest: "guest", into: "alice", key: "m1", nowMs: 200).replayedBytes
                    == encodeCart(first.priced))
            #expect(try store.dump() == before)
            try expectUnchanged(store, .invalidArgument, .idempotencyKeyConflict) {
                try store.merge(guest: "other-guest", into: "alice", key: "m1", nowMs: 300)
            }
        }
    }

    @Test func aClosedCartIsNeverChangedAgain() throws {
        try Self.withCarts { store, guestCart throws in
            _ = try store.merge(guest: "guest", into: "alice", nowMs: 100)
            // The guest's next mutation creates a new cart; the closed one stays as it was.
            let next = try store.apply(.add(productID: "p4", variantID: nil, quantity: 1), user: "guest", nowMs: 150)
            #expect(next.created && next.cart.id != guestCart.id && next.cart.version == 2)
            expectCartError(.notFound) { try store.run(.remove(itemID: guestCart.lines[0].id), user: "guest") }
            #expect(try store.count("SELECT version FROM carts WHERE id = ?", [guestCart.id]) == 5)
        }
    }
}
