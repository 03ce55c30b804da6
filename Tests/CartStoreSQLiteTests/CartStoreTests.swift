// CartStore on SQLite: creation, pricing, add/update/remove/clear with exact versions and totals, line order,
// expected_version.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · carts")
struct CartStoreTests {
    @Test func getOrCreateCreatesVersionOneOnce() throws {
        try withStore { store throws in
            #expect(try store.activeCart(userID: "alice") == nil)
            let first = try store.getOrCreateActiveCart(userID: "alice", defaultCurrency: "INR", nowMs: 500, isGuest: true)
            #expect(first.created && first.cart.version == 1 && first.cart.lines.isEmpty)
            #expect(first.cart.id.hasPrefix("cart_") && first.cart.userID == "alice" && first.cart.currencyCode == "INR")
            #expect(first.cart.createdAtMs == 500 && first.cart.updatedAtMs == 500 && first.cart.isGuest)
            #expect(first.cart.status == .active)
            let second = try store.getOrCreateActiveCart(userID: "alice", defaultCurrency: "USD", nowMs: 900, isGuest: false)
            #expect(!second.created && second.cart == first.cart)
            #expect(try store.activeCart(userID: "alice") == first.cart)
            #expect(try store.count("SELECT COUNT(*) FROM carts") == 1)
        }
    }

    @Test func pricedCartCreatesAndPrices() throws {
        try withStore { store throws in
            let (empty, created) = try store.getCart("bob", nowMs: 7)
            #expect(created && empty.version == 1 && empty.items.isEmpty && empty.totalPrice == Fixture.inr(0))
            #expect(empty.userID == "bob" && empty.createdAtMs == 7 && !empty.hasUnavailableItems)
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 3), user: "bob")
            let (priced, again) = try store.getCart("bob")
            #expect(!again && priced.version == 2 && priced.itemsCount == 1 && priced.totalItems == 3)
            #expect(priced.totalPrice == Fixture.inr(149_700) && priced.items[0].productName == "Tea")
        }
    }

    @Test func addUpdateRemoveClearWithExactVersionsAndTotals() throws {
        try withStore { store throws in
            let created = try store.getOrCreateActiveCart(userID: "alice", defaultCurrency: "INR", nowMs: 1, isGuest: false)
            var result = try store.apply(.add(productID: "p1", variantID: nil, quantity: 2), nowMs: 10)
            #expect(result.cart.version == 2 && !result.created && result.changed && result.cart.updatedAtMs == 10)
            #expect(result.cart.id == created.cart.id && result.priced.totalPrice == Fixture.inr(99_800))

            result = try store.apply(.addItem(productID: "p2", variantID: "v1", quantity: 1), nowMs: 20)
            #expect(result.cart.version == 3 && result.priced.totalPrice == Fixture.inr(99_800 + 105_000))
            #expect(result.priced.items[1].unitPrice == Fixture.inr(105_000) && result.priced.items[1].variantName == "Large")

            result = try store.apply(.addItem(productID: "p1", variantID: "", quantity: 3), nowMs: 30)
            #expect(result.cart.version == 4 && result.cart.lines.count == 2, "same product+variant merges")
            #expect(result.cart.lines.map(\.quantity) == [5, 1] && result.cart.lines[0].createdAtMs == 10)
            #expect(result.priced.totalItems == 6 && result.priced.totalPrice == Fixture.inr(5 * 49_900 + 105_000))
            let teaLine = result.cart.lines[0].id
            let shirtLine = result.cart.lines[1].id

            result = try store.apply(.update(itemID: shirtLine, quantity: 4), nowMs: 40)
            #expect(result.cart.version == 5 && result.priced.totalPrice == Fixture.inr(5 * 49_900 + 4 * 105_000))

            result = try store.apply(.remove(itemID: teaLine), nowMs: 50)
            #expect(result.cart.version == 6 && result.cart.lines.map(\.id) == [shirtLine])
            #expect(result.priced.totalPrice == Fixture.inr(420_000))

            result = try store.apply(.update(itemID: shirtLine, quantity: 0), nowMs: 55)
            #expect(result.cart.version == 7 && result.cart.lines.isEmpty, "quantity 0 removes")

            try store.apply(.add(productID: "p4", variantID: nil, quantity: 1))
            result = try store.apply(.clear, nowMs: 60)
            #expect(result.cart.version == 9 && result.cart.lines.isEmpty && result.priced.totalPrice.isZero)
            result = try store.apply(.clear, nowMs: 70)
            #expect(result.cart.version == 10 && result.changed, "clearing an empty cart is still a change")

            #expect(try store.activeCart(userID: "alice") == result.cart)
            #expect(try store.count("SELECT COUNT(*) FROM cart_items") == 0)
            #expect(try store.count("SELECT version FROM carts") == 10)
        }
    }

    @Test func everyResultEqualsWhatIsStored() throws {
        try withStore { store throws in
            let commands: [CartCommand] = [
                .add(productID: "p4", variantID: nil, quantity: 2),
                .add(productID: "p2", variantID: "v2", quantity: 5),
                .add(productID: "p1", variantID: nil, quantity: 50),
            ]
            for command in commands {
                let result = try store.apply(command)
                #expect(try store.activeCart(userID: "alice") == result.cart)
                #expect(try store.price(result.cart) == result.priced)
                #expect(try store.getCart().cart == result.priced)
                let priced = result.priced
                #expect(priced.itemsCount == result.cart.lines.count)
                #expect(priced.totalItems == result.cart.lines.reduce(0) { $0 + $1.quantity })
                let sum = priced.items.filter(\.available).reduce(Int64(0)) { $0 + $1.totalPrice.amountMinor }
                #expect(priced.totalPrice == Fixture.inr(sum))
            }
        }
    }

    @Test func mutateCreatesTheCartWhenMissing() throws {
        try withStore { store throws in
            let result = try store.apply(.add(productID: "u1", variantID: nil, quantity: 2), user: "carol", nowMs: 77)
            #expect(result.created && result.changed && result.cart.version == 2 && result.cart.createdAtMs == 77)
            #expect(result.cart.currencyCode == "USD", "an empty cart adopts the first product's currency")
            #expect(result.priced.totalPrice == Fixture.usd(1_000))
            #expect(try store.count("SELECT COUNT(*) FROM carts WHERE user_id = 'carol'") == 1)
            #expect(try store.count("SELECT COUNT(*) FROM carts WHERE currency_code = 'USD'") == 1)
        }
    }

    @Test func lineOrderAndContentSurviveReopening() throws {
        try withTempDatabasePath { path throws in
            let before: StoredCart
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts(Fixture.products)
                try store.apply(.add(productID: "p4", variantID: nil, quantity: 1), nowMs: 1)
                try store.apply(.add(productID: "p1", variantID: nil, quantity: 2), nowMs: 2)
                try store.apply(.add(productID: "p2", variantID: "v2", quantity: 1), nowMs: 3)
                try store.apply(.add(productID: "p2", variantID: "v1", quantity: 1), nowMs: 4)
                let lines = try #require(try store.activeCart(userID: "alice")).lines
                try store.apply(.update(itemID: lines[0].id, quantity: 3), nowMs: 5)
                try store.apply(.remove(itemID: lines[2].id), nowMs: 6)
                try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), nowMs: 7)
                try store.apply(.add(productID: "p2", variantID: "v2", quantity: 2), nowMs: 8)
                before = try #require(try store.activeCart(userID: "alice"))
                #expect(before.lines.map(\.productID) == ["p4", "p1", "p2", "p2"])
                #expect(before.lines.map(\.variantID) == [nil, nil, "v1", "v2"])
                #expect(before.lines.map(\.quantity) == [3, 3, 1, 2] && before.version == 9)
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try reopened.activeCart(userID: "alice") == before)
        }
    }

    @Test func expectedVersionMismatchIsAbortedAndChangesNothing() throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            try store.apply(.add(productID: "p4", variantID: nil, quantity: 1))
            let line = try #require(try store.activeCart(userID: "alice")).lines[0].id
            let commands: [CartCommand] = [
                .add(productID: "p1", variantID: nil, quantity: 1), .update(itemID: line, quantity: 2),
                .remove(itemID: line), .clear,
            ]
            for command in commands {
                for stale: UInt64 in [1, 2, 4, .max] {
                    let error = try expectUnchanged(store, .aborted, .versionMismatch(current: 3)) {
                        try store.run(command, expected: stale)
                    }
                    #expect(error?.message.contains("3") == true)
                }
            }
            #expect(try store.apply(.update(itemID: line, quantity: 5), expected: 3).cart.version == 4)
            #expect(try store.apply(.clear, expected: 4).cart.version == 5)
            #expect(try store.apply(.clear, expected: 0).cart.version == 6, "0 is unconditional")
        }
    }

    @Test func expectedVersionOnAMissingCartComparesWithVersionOne() throws {
        try withStore { store throws in
            try expectUnchanged(store, .aborted, .versionMismatch(current: 1)) {
                try store.run(.add(productID: "p1", variantID: nil, quantity: 1), user: "dave", expected: 7)
            }
            #expect(try store.activeCart(userID: "dave") == nil, "the cart created inside was rolled back")
            let result = try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "dave", expected: 1)
            #expect(result.created && result.cart.version == 2)
        }
    }

    @Test func usersHaveSeparateCarts() throws {
        try withStore { store throws in
            let alice = try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "alice")
            let bob = try store.apply(.add(productID: "p4", variantID: nil, quantity: 2), user: "bob")
            #expect(alice.cart.id != bob.cart.id && alice.cart.version == 2 && bob.cart.version == 2)
            expectCartError(.notFound, .itemNotFound(alice.cart.lines[0].id)) {
                try store.run(.remove(itemID: alice.cart.lines[0].id), user: "bob")
            }
            #expect(try store.activeCart(userID: "alice") == alice.cart)
        }
    }
}
