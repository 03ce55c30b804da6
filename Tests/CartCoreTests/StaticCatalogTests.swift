// StaticCatalog lookups and CatalogResolution.

import CartCore
import Foundation
import Testing

@Suite("StaticCatalog")
struct StaticCatalogTests {
    @Test func lookups() {
        var catalog = Fixture.catalog
        #expect(catalog.product(id: "p1") == Fixture.p1 && catalog.product(id: "p9") == nil)
        #expect(catalog.productID(ofVariant: "v1") == "p2" && catalog.productID(ofVariant: "v9") == nil)
        #expect(catalog.availableUnits(productID: "p1", variantID: nil) == 10)
        #expect(catalog.availableUnits(productID: "p2", variantID: "v1") == 5)
        #expect(catalog.availableUnits(productID: "p2", variantID: "v9") == 0)
        #expect(catalog.availableUnits(productID: "p9", variantID: nil) == 0)
        catalog.reservedUnits[StockKey(productID: "p2", variantID: "v1")] = 7
        #expect(catalog.availableUnits(productID: "p2", variantID: "v1") == -2)
        #expect(catalog.remove(id: "p2") && !catalog.remove(id: "p2"))
        #expect(catalog.productID(ofVariant: "v1") == nil)
    }

    @Test func upsertReplacesVariants() {
        var catalog = Fixture.catalog
        var p2 = Fixture.p2
        p2.variants = [ProductVariant(id: "v7", name: "XL", additionalPrice: Fixture.inr(0), stock: 1)]
        catalog.upsert(p2)
        #expect(catalog.productID(ofVariant: "v1") == nil && catalog.productID(ofVariant: "v7") == "p2")
    }

    @Test func resolution() {
        let catalog = Fixture.catalog
        #expect(catalog.resolve(productID: "p9", variantID: nil) == .productMissing)
        #expect(catalog.resolve(productID: "p3", variantID: nil) == .productInactive(Fixture.p3))
        #expect(catalog.resolve(productID: "p2", variantID: "v9") == .variantMissing(Fixture.p2))
        #expect(
            catalog.resolve(productID: "p2", variantID: "v3") == .variantInactive(Fixture.p2, Fixture.p2.variants[2]))
        #expect(catalog.resolve(productID: "p2", variantID: "v1") == .available(Fixture.p2, Fixture.p2.variants[0]))
        #expect(catalog.resolve(productID: "p1", variantID: nil) == .available(Fixture.p1, nil))
    }

    @Test func storedCartIsCodable() throws {
        var cart = Fixture.cart([Fixture.line("i1", "p2", "v1", quantity: 2, added: Fixture.inr(105_000))])
        cart.status = .merged
        let decoded = try JSONDecoder().decode(StoredCart.self, from: JSONEncoder().encode(cart))
        #expect(decoded == cart)
    }
}
