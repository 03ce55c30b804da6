// Every bad cart request fails with the right kind and reason and leaves the database exactly as it was.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · invalid cart input")
struct CartInvalidInputTests {
    static let huge = String(repeating: "x", count: 10_240)
    static let tooBig: Int64 = 4_294_967_295

    /// A store where alice's cart holds p1 × 45 and p4 × 2 (version 3), and bob has no cart.
    static func withSeededStore(_ body: (SQLiteStore, _ teaLine: String, _ lampLine: String) throws -> Void) throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 45))
            let cart = try store.apply(.add(productID: "p4", variantID: nil, quantity: 2)).cart
            try body(store, cart.lines[0].id, cart.lines[1].id)
        }
    }

    /// Expects `command` to fail for alice (and bob, who has no cart) with `kind`, changing nothing.
    static func expectRejected(
        _ store: SQLiteStore, _ command: CartCommand, _ kind: ErrorKind, _ reason: CartError.Reason? = nil,
        rules: CartRules = Fixture.rules, users: [String] = ["alice", "bob"],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let cart = try store.activeCart(userID: "alice")
        let counts = try rowCounts(store)
        for user in users {
            try expectUnchanged(store, kind, reason, sourceLocation: sourceLocation) {
                try store.run(command, user: user, rules: rules)
            }
            // With an idempotency key too: a failed request stores no record.
            try expectUnchanged(store, kind, reason, sourceLocation: sourceLocation) {
                try store.run(command, user: user, key: "k-\(user)", rules: rules)
            }
        }
        #expect(try store.activeCart(userID: "alice") == cart, sourceLocation: sourceLocation)
        #expect(try store.activeCart(userID: "bob") == nil, "no cart was created", sourceLocation: sourceLocation)
        #expect(try rowCounts(store) == counts, sourceLocation: sourceLocation)
    }

    static func rowCounts(_ store: SQLiteStore) throws -> [Int] {
        try ["carts", "cart_items", "idempotency_records", "products", "product_variants"].map {
            try store.count("SELECT COUNT(*) FROM \($0)")
        }
    }

    @Test func unknownThings() throws {
        try Self.withSeededStore { store, _, _ throws in
            try Self.expectRejected(store, .add(productID: "nope", variantID: nil, quantity: 1), .notFound,
                                    .productNotFound("nope"))
            try Self.expectRejected(store, .add(productID: "p2", variantID: "vx", quantity: 1), .notFound,
                                    .variantNotFound("vx"))
            try Self.expectRejected(store, .update(itemID: "item_nope", quantity: 1), .notFound,
                                    .itemNotFound("item_nope"))
            try Self.expectRejected(store, .update(itemID: "item_nope", quantity: 0), .notFound,
                                    .itemNotFound("item_nope"))
            try Self.expectRejected(store, .remove(itemID: "item_nope"), .notFound, .itemNotFound("item_nope"))
        }
    }

    @Test func variantOfAnotherProduct() throws {
        try Self.withSeededStore { store, _, _ throws in
            try Self.expectRejected(store, .add(productID: "p1", variantID: "v1", quantity: 1), .invalidArgument,
                                    .variantNotOfProduct(variantID: "v1", productID: "p1"))
            try Self.expectRejected(store, .add(productID: "p4", variantID: "v3", quantity: 1), .invalidArgument,
                                    .variantNotOfProduct(variantID: "v3", productID: "p4"))
        }
    }

    @Test func quantitiesOutOfRange() throws {
        try Self.withSeededStore { store, tea, _ throws in
            for quantity: Int64 in [0, -1, -50, .min] {
                try Self.expectRejected(store, .add(productID: "p1", variantID: nil, quantity: quantity),
                                        .invalidArgument, .invalidQuantity)
            }
            for quantity: Int64 in [-1, -7, .min] {
                try Self.expectRejected(store, .update(itemID: tea, quantity: quantity), .invalidArgument,
                                        .invalidQuantity)
            }
            for quantity: Int64 in [51, 1_000, Self.tooBig, .max] {
                try Self.expectRejected(store, .add(productID: "p4", variantID: nil, quantity: quantity),
                                        .invalidArgument, .quantityAboveMax(max: 50))
                try Self.expectRejected(store, .update(itemID: tea, quantity: quantity), .invalidArgument,
                                        .quantityAboveMax(max: 50))
            }
            // 45 in the line + 6 > 50.
            try expectUnchanged(store, .invalidArgument, .quantityAboveMax(max: 50)) {
                try store.run(.add(productID: "p1", variantID: nil, quantity: 6))
            }
            #expect(try store.apply(.add(productID: "p1", variantID: nil, quantity: 5)).cart.lines[0].quantity == 50)
        }
    }

    @Test func badIDs() throws {
        try Self.withSeededStore { store, _, _ throws in
            try Self.expectRejected(store, .add(productID: "", variantID: nil, quantity: 1), .invalidArgument,
                                    .invalidField("product_id"))
            try Self.expectRejected(store, .add(productID: Self.huge, variantID: nil, quantity: 1), .invalidArgument,
                                    .invalidField("product_id"))
            try Self.expectRejected(store, .add(productID: "p2", variantID: Self.huge, quantity: 1), .invalidArgument,
                                    .invalidField("variant_id"))
            try Self.expectRejected(store, .add(productID: "p1\u{0}", variantID: nil, quantity: 1), .invalidArgument,
                                    .invalidField("product_id"))
            for command: CartCommand in [.update(itemID: "", quantity: 1), .remove(itemID: "")] {
                try Self.expectRejected(store, command, .invalidArgument, .invalidField("item_id"))
            }
            for command: CartCommand in [.update(itemID: Self.huge, quantity: 1), .remove(itemID: Self.huge)] {
                try Self.expectRejected(store, command, .invalidArgument, .invalidField("item_id"))
            }
            let error = expectCartError(.invalidArgument) {
                try store.run(.add(productID: Self.huge, variantID: nil, quantity: 1))
            }
            #expect((error?.message.utf8.count ?? .max) < 200, "the message does not echo a 10 KB id")
        }
    }

    @Test func inactiveProductsAndVariants() throws {
        try Self.withSeededStore { store, _, _ throws in
            try Self.expectRejected(store, .add(productID: "p3", variantID: nil, quantity: 1), .failedPrecondition,
                                    .productUnavailable("p3"))
            try Self.expectRejected(store, .add(productID: "p2", variantID: "v3", quantity: 1), .failedPrecondition,
                                    .productUnavailable("p2"))
        }
    }

    @Test func stockShort() throws {
        try Self.withSeededStore { store, _, lamp throws in
            // p4 has stock 3 and the line holds 2.
            try Self.expectRejected(store, .update(itemID: lamp, quantity: 4), .failedPrecondition,
                                    .insufficientStock(available: 3), users: ["alice"])
            try expectUnchanged(store, .failedPrecondition, .insufficientStock(available: 3)) {
                try store.run(.add(productID: "p4", variantID: nil, quantity: 2))
            }
            try expectUnchanged(store, .failedPrecondition, .insufficientStock(available: 3)) {
                try store.run(.add(productID: "p4", variantID: nil, quantity: 4), user: "bob")
            }
            // p2 itself has no stock (only its variants do).
            try Self.expectRejected(store, .add(productID: "p2", variantID: nil, quantity: 1), .failedPrecondition,
                                    .insufficientStock(available: 0))
            try Self.expectRejected(store, .add(productID: "p2", variantID: "v2", quantity: 6), .failedPrecondition,
                                    .insufficientStock(available: 5))
            #expect(try store.apply(.update(itemID: lamp, quantity: 3)).cart.version == 4)
        }
    }

    @Test func currencyAndLineLimits() throws {
        try Self.withSeededStore { store, _, _ throws in
            try expectUnchanged(store, .failedPrecondition, .currencyMismatch) {
                try store.run(.add(productID: "u1", variantID: nil, quantity: 1))
            }
            let twoLines = CartRules(maxLineQuantity: 50, maxLines: 2)
            try expectUnchanged(store, .resourceExhausted, .tooManyLines(max: 2)) {
                try store.run(.add(productID: "p2", variantID: "v1", quantity: 1), rules: twoLines)
            }
            // Adding to an existing line is fine at the limit.
            #expect(try store.apply(.add(productID: "p4", variantID: nil, quantity: 1), rules: twoLines).changed)
        }
    }
}
