// UpdateItem, RemoveItem, ClearCart, expected_version and closed carts.

import CartCore
import Testing

@Suite("CartRules · Update, Remove, Clear, versions")
struct CartRulesUpdateTests {
    static let start = Fixture.cart([
        Fixture.line("i1", "p1", quantity: 2, added: Fixture.inr(45_000)),
        Fixture.line("i2", "p4", quantity: 2, added: Fixture.inr(250_000)),
        Fixture.line("i3", "p3", quantity: 4, added: Fixture.inr(100)),
    ])

    @Test func updateSetsTheQuantityAndRefreshesThePrice() throws {
        let cart = try apply(.update(itemID: "i1", quantity: 7), to: Self.start, nowMs: 9_000)
        #expect(cart.version == 6 && cart.updatedAtMs == 9_000)
        #expect(cart.lines[0].quantity == 7 && cart.lines[0].addedUnitPrice == Fixture.inr(49_900))
        #expect(Array(cart.lines[1...]) == Array(Self.start.lines[1...]))
    }

    @Test func updateToZeroRemoves() throws {
        let cart = try apply(.update(itemID: "i2", quantity: 0), to: Self.start)
        #expect(cart.lines.map(\.id) == ["i1", "i3"] && cart.version == 6)
    }

    @Test func updateToTheSameQuantityIsStillAChange() throws {
        let cart = try apply(.update(itemID: "i1", quantity: 2), to: Self.start)
        #expect(cart.version == 6 && cart.lines[0].addedUnitPrice == Fixture.inr(49_900))
    }

    @Test func increaseIsCheckedAgainstStock() {
        expectCartError(.failedPrecondition, .insufficientStock(available: 3), message: "only 3 of p4 in stock") {
            () throws(CartError) in try apply(.update(itemID: "i2", quantity: 4), to: Self.start)
        }
    }

    @Test func decreaseIsAlwaysAllowed() throws {
        var catalog = Fixture.catalog
        var p4 = Fixture.p4
        p4.stock = 0
        catalog.upsert(p4)
        let cart = try apply(.update(itemID: "i2", quantity: 1), to: Self.start, catalog: catalog)
        #expect(cart.lines[1].quantity == 1)
        // An inactive product can be decreased but not increased; its price basis is kept.
        let lowered = try apply(.update(itemID: "i3", quantity: 1), to: Self.start)
        #expect(lowered.lines[2].quantity == 1 && lowered.lines[2].addedUnitPrice == Fixture.inr(100))
        expectCartError(.failedPrecondition, .productUnavailable("p3")) { () throws(CartError) in
            try apply(.update(itemID: "i3", quantity: 5), to: Self.start)
        }
        var gone = Fixture.catalog
        gone.remove(id: "p1")
        expectCartError(.failedPrecondition, .productUnavailable("p1")) { () throws(CartError) in
            try apply(.update(itemID: "i1", quantity: 3), to: Self.start, catalog: gone)
        }
        #expect(try apply(.update(itemID: "i1", quantity: 1), to: Self.start, catalog: gone).lines[0].quantity == 1)
    }

    @Test func increaseOfALineNowInAnotherCurrencyFails() {
        var catalog = Fixture.catalog
        var p1 = Fixture.p1
        p1.price = Fixture.usd(600)
        catalog.upsert(p1)
        expectCartError(.failedPrecondition, .currencyMismatch) { () throws(CartError) in
            try apply(.update(itemID: "i1", quantity: 3), to: Self.start, catalog: catalog)
        }
    }

    static let updateErrors: [(CartCommand, ErrorKind, CartError.Reason, String)] = [
        (
            .update(itemID: "i1", quantity: -1), .invalidArgument, .invalidQuantity,
            "quantity must be between 0 and 50; 0 removes the item"
        ),
        (
            .update(itemID: "i1", quantity: 51), .invalidArgument, .quantityAboveMax(max: 50),
            "quantity 51 is more than the maximum of 50 per line"
        ),
        (
            .update(itemID: "i1", quantity: 4_294_967_295), .invalidArgument, .quantityAboveMax(max: 50),
            "quantity 4294967295 is more than the maximum of 50 per line"
        ),
        (.update(itemID: "", quantity: 1), .invalidArgument, .invalidField("item_id"), "item_id is required"),
        (
            .update(itemID: "item_other_users", quantity: 1), .notFound, .itemNotFound("item_other_users"),
            "item item_other_users not found in your cart"
        ),
        (.remove(itemID: "item_x"), .notFound, .itemNotFound("item_x"), "item item_x not found in your cart"),
        (.remove(itemID: ""), .invalidArgument, .invalidField("item_id"), "item_id is required"),
        (
            .remove(itemID: String(repeating: "i", count: 129)), .invalidArgument, .invalidField("item_id"),
            "item_id is longer than 128 bytes"
        ),
    ]

    @Test("errors", arguments: updateErrors.indices)
    func errors(index: Int) {
        let (command, kind, reason, message) = Self.updateErrors[index]
        expectCartError(kind, reason, message: message) { () throws(CartError) in try apply(command, to: Self.start) }
    }

    @Test func removeAndClear() throws {
        let removed = try apply(.remove(itemID: "i2"), to: Self.start)
        #expect(removed.lines.map(\.id) == ["i1", "i3"] && removed.version == 6)
        let cleared = try apply(.clear, to: Self.start)
        #expect(cleared.lines.isEmpty && cleared.version == 6 && cleared.currencyCode == "INR")
        let again = try apply(.clear, to: cleared)
        #expect(again.lines.isEmpty && again.version == 7, "clearing an empty cart is still a committed change")
    }

    @Test("expected_version", arguments: [UInt64(0), 5])
    func matchingVersionSucceeds(expected: UInt64) throws {
        #expect(try apply(.clear, to: Self.start, expected: expected).version == 6)
    }

    @Test("stale expected_version is ABORTED", arguments: [UInt64(1), 4, 6, .max])
    func staleVersion(expected: UInt64) {
        expectCartError(
            .aborted, .versionMismatch(current: 5),
            message: "cart version is 5, expected \(expected); fetch the cart with GetCart and retry"
        ) {
            () throws(CartError) in try apply(.remove(itemID: "i1"), to: Self.start, expected: expected)
        }
    }

    @Test func requestErrorsComeBeforeVersionErrors() {
        expectCartError(.invalidArgument, .invalidQuantity) { () throws(CartError) in
            try apply(.add(productID: "p1", variantID: nil, quantity: 0), to: Self.start, expected: 99)
        }
        expectCartError(.aborted, .versionMismatch(current: 5)) { () throws(CartError) in
            try apply(.add(productID: "p9", variantID: nil, quantity: 1), to: Self.start, expected: 99)
        }
    }

    @Test func closedCartsDoNotChange() {
        var closed = Self.start
        closed.status = .merged
        expectCartError(.failedPrecondition, .cartClosed) { () throws(CartError) in try apply(.clear, to: closed) }
    }

    @Test func newCartStartsAtVersionOne() {
        let cart = StoredCart.new(id: "cart_x", userID: "u", currency: "INR", nowMs: 42, isGuest: true)
        #expect(cart.version == 1 && cart.lines.isEmpty && cart.status == .active && cart.isGuest)
        #expect(cart.createdAtMs == 42 && cart.updatedAtMs == 42 && cart.currencyCode == "INR")
        #expect(Self.start.line(id: "i2")?.productID == "p4" && Self.start.line(id: "nope") == nil)
        #expect(Self.start.productIDs == ["p1", "p3", "p4"])
    }
}
