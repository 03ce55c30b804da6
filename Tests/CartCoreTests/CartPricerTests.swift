// Pricing: live unit prices, every problem code, totals of available lines only, overflow.

import CartCore
import Testing

@Suite("CartPricer")
struct CartPricerTests {
    func price(_ lines: [CartLine], catalog: StaticCatalog = Fixture.catalog) throws(CartError) -> PricedCart {
        try CartPricer.price(Fixture.cart(lines), catalog: catalog)
    }

    @Test func cleanLinesArePricedLive() throws {
        let priced = try price([
            Fixture.line("i1", "p1", quantity: 2, added: Fixture.inr(49_900)),
            Fixture.line("i2", "p2", "v1", quantity: 2, added: Fixture.inr(105_000)),
        ])
        #expect(priced.items.count == 2)
        let tea = priced.items[0]
        #expect(tea.id == "i1" && tea.productName == "Tea" && tea.variantID == "" && tea.variantName == "")
        #expect(tea.unitPrice == Fixture.inr(49_900) && tea.totalPrice == Fixture.inr(99_800))
        #expect(tea.available && tea.problems.isEmpty)
        let shirt = priced.items[1]
        #expect(shirt.variantID == "v1" && shirt.productName == "Shirt" && shirt.variantName == "Large")
        #expect(shirt.unitPrice == Fixture.inr(105_000) && shirt.totalPrice == Fixture.inr(210_000))
        #expect(priced.itemsCount == 2 && priced.totalItems == 4)
        #expect(priced.totalPrice == Fixture.inr(309_800))
        #expect(!priced.hasUnavailableItems)
        #expect(priced.id == "cart_1" && priced.userID == "user-1" && priced.version == 5)
        #expect(priced.currencyCode == "INR" && priced.createdAtMs == 1_000 && priced.updatedAtMs == 1_000)
    }

    @Test func emptyCart() throws {
        let priced = try CartPricer.price(Fixture.emptyCart(currency: "JPY"), catalog: Fixture.catalog)
        #expect(priced.items.isEmpty && priced.itemsCount == 0 && priced.totalItems == 0)
        #expect(priced.totalPrice == Money.zero("JPY") && !priced.hasUnavailableItems)
    }

    @Test func deletedProductKeepsTheLineWithIdsAsNames() throws {
        var catalog = Fixture.catalog
        catalog.remove(id: "p2")
        let priced = try price(
            [Fixture.line("i1", "p2", "v1", quantity: 3, added: Fixture.inr(105_000))], catalog: catalog)
        let item = priced.items[0]
        #expect(item.productName == "p2" && item.variantName == "v1" && item.quantity == 3)
        #expect(item.unitPrice == Fixture.inr(0) && item.totalPrice == Fixture.inr(0))
        #expect(!item.available)
        #expect(
            item.problems == [ItemProblem(code: .productUnavailable, message: "This product is no longer available")])
        #expect(priced.hasUnavailableItems && priced.totalPrice == Fixture.inr(0) && priced.totalItems == 3)
    }

    @Test func inactiveProductShowsItsPriceButIsNotCounted() throws {
        let priced = try price([
            Fixture.line("i1", "p3", quantity: 2, added: Fixture.inr(50)),
            Fixture.line("i2", "p1", added: Fixture.inr(49_900)),
        ])
        let item = priced.items[0]
        #expect(!item.available && item.productName == "Old")
        #expect(item.unitPrice == Fixture.inr(100) && item.totalPrice == Fixture.inr(200))
        #expect(item.problems.map(\.code) == [.productUnavailable], "no PRICE_CHANGED on unavailable lines")
        #expect(priced.totalPrice == Fixture.inr(49_900))
    }

    @Test func inactiveOrMissingVariant() throws {
        let priced = try price([
            Fixture.line("i1", "p2", "v3", added: Fixture.inr(100_000)),
            Fixture.line("i2", "p2", "v9", added: Fixture.inr(100_000)),
        ])
        #expect(priced.items[0].variantName == "Medium" && !priced.items[0].available)
        #expect(priced.items[0].problems.map(\.message) == ["This option of the product is no longer available"])
        #expect(priced.items[1].variantName == "v9" && priced.items[1].productName == "Shirt")
        #expect(priced.items[1].unitPrice == Fixture.inr(0) && !priced.items[1].available)
        #expect(priced.items[1].problems.map(\.code) == [.productUnavailable])
    }

    @Test func inactiveProductWithGoneVariant() throws {
        var catalog = Fixture.catalog
        var p2 = Fixture.p2
        p2.active = false
        catalog.upsert(p2)
        let item = try price([Fixture.line("i1", "p2", "v9", added: Fixture.inr(1))], catalog: catalog).items[0]
        #expect(!item.available && item.unitPrice == Fixture.inr(0) && item.variantName == "v9")
        #expect(item.problems.map(\.message) == ["This product is no longer available"])
    }

    @Test func outOfStock() throws {
        let priced = try price([Fixture.line("i1", "p2", "v2", quantity: 2, added: Fixture.inr(99_000))])
        let item = priced.items[0]
        #expect(!item.available && item.unitPrice == Fixture.inr(99_000))
        #expect(
            item.problems == [
                ItemProblem(code: .outOfStock, message: "This item is out of stock", availableQuantity: 0)
            ])
        #expect(priced.totalPrice == Fixture.inr(0) && priced.hasUnavailableItems)
    }

    @Test func insufficientStockStaysAvailable() throws {
        let priced = try price([Fixture.line("i1", "p4", quantity: 5, added: Fixture.inr(250_000))])
        let item = priced.items[0]
        #expect(item.available)
        #expect(
            item.problems == [
                ItemProblem(code: .insufficientStock, message: "Only 3 left in stock", availableQuantity: 3)
            ])
        #expect(priced.totalPrice == Fixture.inr(1_250_000) && !priced.hasUnavailableItems)
    }

    @Test func exactStockIsFine() throws {
        let item = try price([Fixture.line("i1", "p4", quantity: 3, added: Fixture.inr(250_000))]).items[0]
        #expect(item.available && item.problems.isEmpty)
    }

    @Test func priceChanged() throws {
        let item = try price([Fixture.line("i1", "p1", quantity: 1, added: Fixture.inr(45_000))]).items[0]
        #expect(item.available && item.unitPrice == Fixture.inr(49_900))
        #expect(
            item.problems == [
                ItemProblem(
                    code: .priceChanged, message: "Price changed from ₹450.00 to ₹499.00",
                    previousUnitPrice: Fixture.inr(45_000))
            ])
    }

    @Test func problemsCombineAvailabilityFirst() throws {
        let item = try price([Fixture.line("i1", "p4", quantity: 4, added: Fixture.inr(260_000))]).items[0]
        #expect(item.problems.map(\.code) == [.insufficientStock, .priceChanged])
        #expect(item.problems[1].message == "Price changed from ₹2600.00 to ₹2500.00")
        let gone = try price([Fixture.line("i1", "p2", "v2", added: Fixture.inr(1))]).items[0]
        #expect(gone.problems.map(\.code) == [.outOfStock, .priceChanged])
    }

    @Test func productNowInAnotherCurrency() throws {
        let priced = try price([Fixture.line("i1", "u1", quantity: 2, added: Fixture.inr(40_000))])
        let item = priced.items[0]
        #expect(!item.available && item.unitPrice == Fixture.inr(0) && item.totalPrice == Fixture.inr(0))
        #expect(
            item.problems == [
                ItemProblem(
                    code: .productUnavailable,
                    message: "This product is now sold in USD, not in your cart's currency INR")
            ])
    }

    @Test(
        "reservations reduce availability",
        arguments: [
            (Int64(0), Int64(2), [ItemProblemCode]()), (9, 2, [.insufficientStock]), (10, 2, [.outOfStock]),
            (25, 2, [.outOfStock]),
        ])
    func reservations(reserved: Int64, quantity: Int64, codes: [ItemProblemCode]) throws {
        let catalog = StaticCatalog(
            [Fixture.p1], reservedUnits: [StockKey(productID: "p1", variantID: nil): reserved])
        let item = try price(
            [Fixture.line("i1", "p1", quantity: quantity, added: Fixture.inr(49_900))],
            catalog: catalog
        ).items[0]
        #expect(item.problems.map(\.code) == codes)
        #expect(item.available == !codes.contains(.outOfStock))
        if codes == [.insufficientStock] { #expect(item.problems[0].availableQuantity == 1) }
    }

    @Test func overflowIsAnError() {
        let huge = Product(id: "h", name: "Huge", price: Fixture.inr(Int64.max / 2), stock: 100)
        let catalog = StaticCatalog([huge])
        expectCartError(.invalidArgument, .amountOverflow) { () throws(CartError) in
            try price([Fixture.line("i1", "h", quantity: 3, added: Fixture.inr(0))], catalog: catalog)
        }
        expectCartError(.invalidArgument, .amountOverflow) { () throws(CartError) in
            try price(
                [
                    Fixture.line("i1", "h", quantity: 1, added: Fixture.inr(Int64.max / 2)),
                    Fixture.line("i2", "h", quantity: 1, added: Fixture.inr(Int64.max / 2)),
                    Fixture.line("i3", "h", quantity: 1, added: Fixture.inr(Int64.max / 2)),
                ], catalog: catalog)
        }
    }

    @Test func problemCodesAvailability() {
        #expect(ItemProblemCode.outOfStock.makesLineUnavailable)
        #expect(ItemProblemCode.productUnavailable.makesLineUnavailable)
        #expect(!ItemProblemCode.insufficientStock.makesLineUnavailable)
        #expect(!ItemProblemCode.priceChanged.makesLineUnavailable)
    }
}
