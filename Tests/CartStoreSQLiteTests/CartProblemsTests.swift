// Catalog changes under existing carts: unavailable lines, price changes and stock problems, never a broken GetCart.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · item problems")
struct CartProblemsTests {
    /// alice holds p1 × 2, p2/v1 × 3, p4 × 1 (version 4).
    static func withCart(_ body: (SQLiteStore) throws -> Void) throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 2))
            try store.apply(.add(productID: "p2", variantID: "v1", quantity: 3))
            try store.apply(.add(productID: "p4", variantID: nil, quantity: 1))
            try body(store)
        }
    }

    static func codes(_ item: PricedItem) -> [ItemProblemCode] { item.problems.map(\.code) }

    @Test func deletingAProductMakesItsLinesUnavailable() throws {
        try Self.withCart { store throws in
            #expect(try store.deleteProduct(id: "p1"))
            let (cart, created) = try store.getCart()
            #expect(!created && cart.version == 4 && cart.itemsCount == 3 && cart.totalItems == 6)
            #expect(Self.codes(cart.items[0]) == [.productUnavailable] && !cart.items[0].available)
            #expect(cart.items[0].productName == "p1" && cart.items[0].unitPrice == Fixture.inr(0))
            #expect(cart.hasUnavailableItems && cart.totalPrice == Fixture.inr(3 * 105_000 + 250_000))
            #expect(try store.count("SELECT COUNT(*) FROM cart_items") == 3, "the line is kept")
            // The other lines still change; the dead line can be removed.
            let lines = try #require(try store.activeCart(userID: "alice")).lines
            try store.apply(.update(itemID: lines[2].id, quantity: 2))
            expectCartError(.notFound, .productNotFound("p1")) {
                try store.run(.add(productID: "p1", variantID: nil, quantity: 1))
            }
            expectCartError(.failedPrecondition, .productUnavailable("p1")) {
                try store.run(.update(itemID: lines[0].id, quantity: 3))
            }
            #expect(try store.apply(.update(itemID: lines[0].id, quantity: 1)).cart.lines[0].quantity == 1,
                    "lowering a quantity is always allowed")
            #expect(try store.apply(.remove(itemID: lines[0].id)).cart.lines.count == 2)
        }
    }

    @Test func deletingAProductWithVariantsMakesTheVariantLineUnavailable() throws {
        try Self.withCart { store throws in
            _ = try store.deleteProduct(id: "p2")
            let item = try store.getCart().cart.items[1]
            #expect(Self.codes(item) == [.productUnavailable] && !item.available)
            #expect(item.productName == "p2" && item.variantName == "v1" && item.variantID == "v1")
        }
    }

    @Test func deactivatingAProductOrAVariant() throws {
        try Self.withCart { store throws in
            var tea = Fixture.p1
            tea.active = false
            _ = try store.upsertProducts([tea])
            var cart = try store.getCart().cart
            #expect(Self.codes(cart.items[0]) == [.productUnavailable] && !cart.items[0].available)
            #expect(cart.items[0].unitPrice == Fixture.inr(49_900), "an inactive product still shows its price")
            #expect(cart.totalPrice == Fixture.inr(3 * 105_000 + 250_000))

            var shirt = Fixture.p2
            shirt.variants[0].active = false
            _ = try store.upsertProducts([shirt])
            cart = try store.getCart().cart
            #expect(Self.codes(cart.items[1]) == [.productUnavailable] && !cart.items[1].available)
            #expect(cart.totalPrice == Fixture.inr(250_000) && cart.version == 4)

            // Reactivating brings them back.
            _ = try store.upsertProducts([Fixture.p1, Fixture.p2])
            cart = try store.getCart().cart
            #expect(cart.items.allSatisfy { $0.available && $0.problems.isEmpty })
            #expect(cart.totalPrice == Fixture.inr(2 * 49_900 + 3 * 105_000 + 250_000))
        }
    }

    @Test func removingAVariantFromTheProductMakesItsLineUnavailable() throws {
        try Self.withCart { store throws in
            var shirt = Fixture.p2
            shirt.variants.removeFirst()
            _ = try store.upsertProducts([shirt])
            let item = try store.getCart().cart.items[1]
            #expect(Self.codes(item) == [.productUnavailable] && item.productName == "Shirt" && item.variantName == "v1")
        }
    }

    @Test func priceChanges() throws {
        try Self.withCart { store throws in
            var tea = Fixture.p1
            tea.price = Fixture.inr(55_000)
            _ = try store.upsertProducts([tea])
            var item = try store.getCart().cart.items[0]
            #expect(Self.codes(item) == [.priceChanged] && item.available)
            #expect(item.problems[0].previousUnitPrice == Fixture.inr(49_900))
            #expect(item.unitPrice == Fixture.inr(55_000) && item.totalPrice == Fixture.inr(110_000))
            // A variant's additional price counts too.
            var shirt = Fixture.p2
            shirt.variants[0].additionalPrice = Fixture.inr(6_000)
            _ = try store.upsertProducts([shirt])
            item = try store.getCart().cart.items[1]
            #expect(Self.codes(item) == [.priceChanged] && item.problems[0].previousUnitPrice == Fixture.inr(105_000))
            // Setting the line again accepts the new price.
            let line = try #require(try store.activeCart(userID: "alice")).lines[0]
            let result = try store.apply(.update(itemID: line.id, quantity: 2))
            #expect(result.cart.lines[0].addedUnitPrice == Fixture.inr(55_000))
            #expect(result.priced.items[0].problems.isEmpty)
        }
    }

    @Test func stockProblems() throws {
        try Self.withCart { store throws in
            _ = try store.setStock(productID: "p1", variantID: nil, stock: 0)
            _ = try store.setStock(productID: "p2", variantID: "v1", stock: 1)
            let cart = try store.getCart().cart
            #expect(Self.codes(cart.items[0]) == [.outOfStock] && !cart.items[0].available)
            #expect(cart.items[0].problems[0].availableQuantity == 0)
            #expect(Self.codes(cart.items[1]) == [.insufficientStock] && cart.items[1].available)
            #expect(cart.items[1].problems[0].availableQuantity == 1)
            #expect(cart.totalPrice == Fixture.inr(3 * 105_000 + 250_000) && cart.hasUnavailableItems)
            // Shrinking to what is left clears the problem.
            let line = try #require(try store.activeCart(userID: "alice")).lines[1]
            let result = try store.apply(.update(itemID: line.id, quantity: 1))
            #expect(result.priced.items[1].problems.isEmpty)
        }
    }

    @Test func problemsSurviveReopening() throws {
        try withTempDatabasePath { path throws in
            let before: PricedCart
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts(Fixture.products)
                try store.apply(.add(productID: "p1", variantID: nil, quantity: 2))
                try store.apply(.add(productID: "p4", variantID: nil, quantity: 3))
                _ = try store.deleteProduct(id: "p1")
                _ = try store.setStock(productID: "p4", variantID: nil, stock: 2)
                before = try store.getCart().cart
                #expect(before.items.map { Self.codes($0) } == [[.productUnavailable], [.insufficientStock]])
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try reopened.getCart().cart == before)
        }
    }
}
