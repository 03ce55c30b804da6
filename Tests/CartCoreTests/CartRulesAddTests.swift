// AddItem: validation, catalog checks, merging into an existing line, limits, stock and currency.

import CartCore
import Testing

@Suite("CartRules · AddItem")
struct CartRulesAddTests {
    @Test func addsANewLine() throws {
        let cart = try apply(.add(productID: "p1", variantID: nil, quantity: 2), to: Fixture.emptyCart(), nowMs: 5_000)
        #expect(cart.version == 2 && cart.updatedAtMs == 5_000 && cart.createdAtMs == 1_000)
        #expect(
            cart.lines == [
                CartLine(
                    id: "item_101", productID: "p1", variantID: nil, quantity: 2,
                    addedUnitPrice: Fixture.inr(49_900), createdAtMs: 5_000)
            ])
    }

    @Test func sameProductAndVariantMergesAndRefreshesThePrice() throws {
        let start = Fixture.cart([
            Fixture.line("i1", "p2", "v1", quantity: 2, added: Fixture.inr(1)),
            Fixture.line("i2", "p1", quantity: 1, added: Fixture.inr(1)),
        ])
        let cart = try apply(.add(productID: "p2", variantID: "v1", quantity: 3), to: start)
        #expect(cart.lines.count == 2 && cart.version == 6)
        #expect(cart.lines[0].id == "i1" && cart.lines[0].quantity == 5)
        #expect(cart.lines[0].addedUnitPrice == Fixture.inr(105_000))
        #expect(cart.lines[1] == start.lines[1])
    }

    @Test func differentVariantIsANewLine() throws {
        var catalog = Fixture.catalog
        var p2 = Fixture.p2
        p2.stock = 5
        catalog.upsert(p2)
        let start = Fixture.cart([Fixture.line("i1", "p2", "v1", added: Fixture.inr(105_000))])
        let cart = try apply(.add(productID: "p2", variantID: nil, quantity: 1), to: start, catalog: catalog)
        #expect(cart.lines.map(\.variantID) == ["v1", nil])
    }

    @Test func emptyWireVariantMeansNone() throws {
        #expect(
            CartCommand.addItem(productID: "p1", variantID: "", quantity: 1)
                == .add(productID: "p1", variantID: nil, quantity: 1))
        #expect(
            CartCommand.addItem(productID: "p2", variantID: "v1", quantity: 1)
                == .add(productID: "p2", variantID: "v1", quantity: 1))
        let start = Fixture.cart([Fixture.line("i1", "p1", added: Fixture.inr(49_900))])
        let cart = try apply(.add(productID: "p1", variantID: "", quantity: 1), to: start)
        #expect(cart.lines.count == 1 && cart.lines[0].quantity == 2)
    }

    static let requestErrors: [(CartCommand, CartError.Reason, String)] = [
        (.add(productID: "p1", variantID: nil, quantity: 0), .invalidQuantity, "quantity must be at least 1"),
        (.add(productID: "p1", variantID: nil, quantity: -1), .invalidQuantity, "quantity must be at least 1"),
        (.add(productID: "p1", variantID: nil, quantity: .min), .invalidQuantity, "quantity must be at least 1"),
        (
            .add(productID: "p1", variantID: nil, quantity: 51), .quantityAboveMax(max: 50),
            "quantity 51 is more than the maximum of 50 per line"
        ),
        (
            .add(productID: "p1", variantID: nil, quantity: 4_294_967_295), .quantityAboveMax(max: 50),
            "quantity 4294967295 is more than the maximum of 50 per line"
        ),
        (
            .add(productID: "p1", variantID: nil, quantity: .max), .quantityAboveMax(max: 50),
            "quantity 9223372036854775807 is more than the maximum of 50 per line"
        ),
        (.add(productID: "", variantID: nil, quantity: 1), .invalidField("product_id"), "product_id is required"),
        (
            .add(productID: String(repeating: "p", count: 10_240), variantID: nil, quantity: 1),
            .invalidField("product_id"), "product_id is longer than 128 bytes"
        ),
        (
            .add(productID: "p\u{1}", variantID: nil, quantity: 1), .invalidField("product_id"),
            "product_id contains control characters"
        ),
        (
            .add(productID: "p2", variantID: "v\n", quantity: 1), .invalidField("variant_id"),
            "variant_id contains control characters"
        ),
    ]

    @Test("request errors are INVALID_ARGUMENT", arguments: requestErrors.indices)
    func rejectsRequest(index: Int) {
        let (command, reason, message) = Self.requestErrors[index]
        expectCartError(.invalidArgument, reason, message: message) { () throws(CartError) in
            try apply(command, to: Fixture.emptyCart())
        }
    }

    static let catalogErrors: [(CartCommand, ErrorKind, CartError.Reason, String)] = [
        (
            .add(productID: "p9", variantID: nil, quantity: 1), .notFound, .productNotFound("p9"),
            "product p9 not found"
        ),
        (
            .add(productID: "p9", variantID: "v1", quantity: 1), .notFound, .productNotFound("p9"),
            "product p9 not found"
        ),
        (
            .add(productID: "p2", variantID: "v9", quantity: 1), .notFound, .variantNotFound("v9"),
            "variant v9 not found"
        ),
        (
            .add(productID: "p1", variantID: "v1", quantity: 1), .invalidArgument,
            .variantNotOfProduct(variantID: "v1", productID: "p1"), "variant v1 does not belong to product p1"
        ),
        (
            .add(productID: "p3", variantID: nil, quantity: 1), .failedPrecondition, .productUnavailable("p3"),
            "product p3 is not available for sale"
        ),
        (
            .add(productID: "p2", variantID: "v3", quantity: 1), .failedPrecondition, .productUnavailable("p2"),
            "variant v3 of product p2 is not available for sale"
        ),
        (
            .add(productID: "p2", variantID: "v2", quantity: 1), .failedPrecondition,
            .insufficientStock(available: 0), "p2 (variant v2) is out of stock"
        ),
        (
            .add(productID: "p2", variantID: nil, quantity: 1), .failedPrecondition,
            .insufficientStock(available: 0), "p2 is out of stock"
        ),
        (
            .add(productID: "p4", variantID: nil, quantity: 4), .failedPrecondition,
            .insufficientStock(available: 3), "only 3 of p4 in stock"
        ),
        (
            .add(productID: "u1", variantID: nil, quantity: 1), .failedPrecondition, .currencyMismatch,
            "product u1 is priced in USD but your cart is in INR; clear the cart to shop in USD"
        ),
    ]

    @Test("catalog errors", arguments: catalogErrors.indices)
    func rejectsAgainstCatalog(index: Int) {
        let (command, kind, reason, message) = Self.catalogErrors[index]
        let start = Fixture.cart([Fixture.line("i1", "p1", added: Fixture.inr(49_900))])
        expectCartError(kind, reason, message: message) { () throws(CartError) in
            try apply(command, to: start)
        }
    }

    @Test func mergedLineMayNotExceedTheMaximum() {
        let start = Fixture.cart([Fixture.line("i1", "p1", quantity: 48, added: Fixture.inr(49_900))])
        var catalog = Fixture.catalog
        var p1 = Fixture.p1
        p1.stock = 1_000
        catalog.upsert(p1)
        expectCartError(
            .invalidArgument, .quantityAboveMax(max: 50),
            message: "line quantity would be 53, the maximum is 50"
        ) { () throws(CartError) in
            try apply(.add(productID: "p1", variantID: nil, quantity: 5), to: start, catalog: catalog)
        }
    }

    @Test func stockMustCoverTheLinesNewQuantity() throws {
        let start = Fixture.cart([Fixture.line("i1", "p4", quantity: 2, added: Fixture.inr(250_000))])
        #expect(try apply(.add(productID: "p4", variantID: nil, quantity: 1), to: start).lines[0].quantity == 3)
        expectCartError(.failedPrecondition, .insufficientStock(available: 3)) { () throws(CartError) in
            try apply(.add(productID: "p4", variantID: nil, quantity: 2), to: start)
        }
        let reserved = StaticCatalog([Fixture.p4], reservedUnits: [StockKey(productID: "p4", variantID: nil): 1])
        expectCartError(.failedPrecondition, .insufficientStock(available: 2)) { () throws(CartError) in
            try apply(.add(productID: "p4", variantID: nil, quantity: 1), to: start, catalog: reserved)
        }
    }

    @Test func emptyCartAdoptsTheProductsCurrency() throws {
        let cart = try apply(.add(productID: "u1", variantID: nil, quantity: 1), to: Fixture.emptyCart())
        #expect(cart.currencyCode == "USD" && cart.lines[0].addedUnitPrice == Fixture.usd(500))
    }

    @Test func tooManyLines() throws {
        let rules = CartRules(maxLineQuantity: 50, maxLines: 2)
        let start = Fixture.cart([
            Fixture.line("i1", "p1", added: Fixture.inr(49_900)),
            Fixture.line("i2", "p2", "v1", added: Fixture.inr(105_000)),
        ])
        expectCartError(.resourceExhausted, .tooManyLines(max: 2)) { () throws(CartError) in
            try apply(.add(productID: "p4", variantID: nil, quantity: 1), to: start, rules: rules)
        }
        // Adding to an existing line is still fine at the limit.
        #expect(try apply(.add(productID: "p1", variantID: nil, quantity: 1), to: start, rules: rules).lines.count == 2)
    }

    @Test func configurableMaximum() throws {
        let rules = CartRules(maxLineQuantity: 3)
        expectCartError(.invalidArgument, .quantityAboveMax(max: 3)) { () throws(CartError) in
            try apply(.add(productID: "p1", variantID: nil, quantity: 4), to: Fixture.emptyCart(), rules: rules)
        }
    }
}

/// Ids from a fixed list, in order: lets a test hand out an id a cart already has.
private struct ScriptedIDs: IDSource {
    var ids: [String]

    mutating func next(prefix: String) -> String { ids.removeFirst() }
}

@Suite("CartRules · line ids")
struct CartRulesLineIDTests {
    @Test func aNewLineNeverTakesTheIdOfALineOfItsCart() throws {
        // Lines are found by id within their cart, so an id minted twice is drawn again.
        let start = Fixture.cart([Fixture.line("item_A", "p2", "v1", added: Fixture.inr(105_000))])
        var ids = ScriptedIDs(ids: ["item_A", "item_A", "item_B"])
        let cart = try CartRules().apply(.add(productID: "p1", variantID: nil, quantity: 1), to: start,
                                         catalog: Fixture.catalog, expectedVersion: 0, nowMs: 2_000, ids: &ids)
        #expect(cart.lines.map(\.id) == ["item_A", "item_B"])
        #expect(ids.ids.isEmpty)
    }

    @Test func mergedGuestLinesGetIdsUniqueInTheirNewCart() throws {
        let start = Fixture.cart([Fixture.line("item_A", "p2", "v1", added: Fixture.inr(105_000))])
        let guest = [Fixture.line("item_A", "p1", added: Fixture.inr(49_900)),
                     Fixture.line("item_Z", "p4", added: Fixture.inr(250_000))]
        var ids = ScriptedIDs(ids: ["item_A", "item_C", "item_C", "item_D"])
        let cart = try CartRules().apply(.mergeGuest(lines: guest), to: start, catalog: Fixture.catalog,
                                         expectedVersion: 0, nowMs: 2_000, ids: &ids)
        #expect(cart.lines.map(\.id) == ["item_A", "item_C", "item_D"])
    }
}
