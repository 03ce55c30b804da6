// MergeGuestCart: quantities add with a cap, nothing fails on stock, line limits, no-op merges.

import CartCore
import Testing

@Suite("CartRules · MergeGuest")
struct CartRulesMergeTests {
    static let guest = [
        Fixture.line("g1", "p1", quantity: 30, added: Fixture.inr(49_900)),
        Fixture.line("g2", "p2", "v2", quantity: 3, added: Fixture.inr(99_000)),
        Fixture.line("g3", "gone", quantity: 2, added: Fixture.inr(10)),
    ]

    @Test func quantitiesAddCappedAndNewLinesMoveAsIs() throws {
        let start = Fixture.cart([Fixture.line("i1", "p1", quantity: 40, added: Fixture.inr(45_000))])
        let cart = try apply(.mergeGuest(lines: Self.guest), to: start, nowMs: 8_000)
        #expect(cart.version == 6 && cart.updatedAtMs == 8_000)
        #expect(cart.lines.map(\.productID) == ["p1", "p2", "gone"])
        #expect(cart.lines[0].id == "i1" && cart.lines[0].quantity == 50, "40 + 30 capped at 50")
        #expect(cart.lines[0].addedUnitPrice == Fixture.inr(45_000), "the existing line keeps its price basis")
        #expect(cart.lines[1].quantity == 3 && cart.lines[1].variantID == "v2", "out of stock does not fail")
        #expect(cart.lines[1].addedUnitPrice == Fixture.inr(99_000) && cart.lines[1].createdAtMs == 1_000)
        #expect(cart.lines[2].productID == "gone", "lines of deleted products move as-is")
        #expect(!cart.lines.map(\.id).contains { $0.hasPrefix("g") }, "moved lines get fresh ids")
        let priced = try CartPricer.price(cart, catalog: Fixture.catalog)
        #expect(priced.items.map(\.available) == [true, false, false])
    }

    @Test func guestQuantitiesAboveTheMaximumAreCapped() throws {
        let cart = try apply(
            .mergeGuest(lines: [Fixture.line("g1", "p1", quantity: 500, added: Fixture.inr(1))]),
            to: Fixture.emptyCart())
        #expect(cart.lines[0].quantity == 50)
    }

    @Test func duplicateGuestLinesCollapse() throws {
        let lines = [
            Fixture.line("g1", "p1", quantity: 2, added: Fixture.inr(1)),
            Fixture.line("g2", "p1", "", quantity: 3, added: Fixture.inr(1)),
        ]
        let cart = try apply(.mergeGuest(lines: lines), to: Fixture.emptyCart())
        #expect(cart.lines.count == 1 && cart.lines[0].quantity == 5 && cart.lines[0].variantID == nil)
    }

    @Test func maxLinesDropsTheRest() {
        var ids = SequentialIDs()
        let rules = CartRules(maxLineQuantity: 50, maxLines: 2)
        let start = Fixture.cart([Fixture.line("i1", "p4", added: Fixture.inr(250_000))])
        let result = rules.mergeGuest(lines: Self.guest, into: start, ids: &ids)
        #expect(result.cart.lines.map(\.productID) == ["p4", "p1"])
        #expect(result.dropped.map(\.id) == ["g2", "g3"])
        #expect(result.cart.version == start.version)
    }

    @Test func malformedGuestLinesAreDropped() {
        var ids = SequentialIDs()
        let result = CartRules().mergeGuest(
            lines: [Fixture.line("g1", "p1", quantity: 0, added: Fixture.inr(1))], into: Fixture.emptyCart(), ids: &ids)
        #expect(result.cart.lines.isEmpty && result.dropped.map(\.id) == ["g1"])
    }

    @Test func mergeThatMovesNothingIsANoOp() throws {
        let start = Fixture.cart([Fixture.line("i1", "p1", quantity: 50, added: Fixture.inr(49_900))])
        #expect(try apply(.mergeGuest(lines: []), to: start) == start)
        let capped = [Fixture.line("g1", "p1", quantity: 5, added: Fixture.inr(1))]
        #expect(try apply(.mergeGuest(lines: capped), to: start) == start, "already at the cap")
    }

    @Test func emptyCartAdoptsTheGuestCurrency() throws {
        let lines = [Fixture.line("g1", "u1", quantity: 1, added: Fixture.usd(500))]
        let cart = try apply(.mergeGuest(lines: lines), to: Fixture.emptyCart())
        #expect(cart.currencyCode == "USD")
        let priced = try CartPricer.price(cart, catalog: Fixture.catalog)
        #expect(priced.totalPrice == Fixture.usd(500) && !priced.hasUnavailableItems)
    }

    @Test func linesInAnotherCurrencyMoveButShowUnavailable() throws {
        let start = Fixture.cart([Fixture.line("i1", "p1", added: Fixture.inr(49_900))])
        let cart = try apply(.mergeGuest(lines: [Fixture.line("g1", "u1", added: Fixture.usd(500))]), to: start)
        #expect(cart.currencyCode == "INR" && cart.lines.count == 2)
        let priced = try CartPricer.price(cart, catalog: Fixture.catalog)
        #expect(priced.items[1].problems.map(\.code) == [.productUnavailable])
    }

    @Test func mergeChecksVersionAndStatus() {
        expectCartError(.aborted, .versionMismatch(current: 5)) { () throws(CartError) in
            try apply(.mergeGuest(lines: Self.guest), to: Fixture.cart([]), expected: 4)
        }
    }
}
