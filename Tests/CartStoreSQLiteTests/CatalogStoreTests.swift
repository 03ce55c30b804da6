// CatalogStore on SQLite: upsert, get, list, stock, delete, validation, and the cache after reopening.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · catalog")
struct CatalogStoreTests {
    @Test func upsertGetAndList() throws {
        try withStore(catalog: []) { store throws in
            #expect(try store.upsertProducts(Fixture.products) == 5)
            for product in Fixture.products { #expect(try store.product(id: product.id) == product) }
            #expect(try store.product(id: "nope") == nil)
            #expect(try store.count("SELECT COUNT(*) FROM products") == 5)
            #expect(try store.count("SELECT COUNT(*) FROM product_variants") == 3)
            #expect(try store.upsertProducts([]) == 0)
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
        }
    }

    @Test func listPagesByAfterIDAndLimit() throws {
        try withStore { store throws in
            let ids = { (products: [Product]) in products.map(\.id) }
            #expect(ids(try store.listProducts(afterID: nil, limit: 100)) == ["p1", "p2", "p3", "p4", "u1"])
            #expect(ids(try store.listProducts(afterID: nil, limit: 2)) == ["p1", "p2"])
            #expect(ids(try store.listProducts(afterID: "p2", limit: 2)) == ["p3", "p4"])
            #expect(ids(try store.listProducts(afterID: "p4", limit: 2)) == ["u1"])
            #expect(ids(try store.listProducts(afterID: "u1", limit: 2)) == [])
            #expect(ids(try store.listProducts(afterID: "p25", limit: 10)) == ["p3", "p4", "u1"], "not an id")
            #expect(try store.listProducts(afterID: nil, limit: 0).isEmpty)
            #expect(try store.listProducts(afterID: nil, limit: -3).isEmpty)
            #expect(try store.listProducts(afterID: nil, limit: 2)[1] == Fixture.p2, "full products, variants too")
        }
    }

    @Test func upsertReplacesTheProductAndItsVariants() throws {
        try withStore { store throws in
            var shirt = Fixture.p2
            shirt.name = "Shirt v2"
            shirt.price = Fixture.inr(120_000)
            shirt.variants = [ProductVariant(id: "v9", name: "XL", additionalPrice: Fixture.inr(100), stock: 4)]
            #expect(try store.upsertProducts([shirt]) == 1)
            #expect(try store.product(id: "p2") == shirt)
            let variantIDs = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM product_variants ORDER BY id")
            }
            #expect(variantIDs == ["v9"])
            // The old variant ids are free again for another product.
            let other = Product(
                id: "p5", name: "Cap", price: Fixture.inr(10), stock: 1,
                variants: [ProductVariant(id: "v1", name: "One", additionalPrice: Fixture.inr(0), stock: 1)])
            #expect(try store.upsertProducts([other]) == 1)
            #expect(store.cachedCatalog.productID(ofVariant: "v1") == "p5")
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
            // Variant order is kept.
            shirt.variants = [
                ProductVariant(id: "vz", name: "Z", additionalPrice: Fixture.inr(0), stock: 1),
                ProductVariant(id: "va", name: "A", additionalPrice: Fixture.inr(0), stock: 1),
            ]
            _ = try store.upsertProducts([shirt])
            #expect(try store.catalogFromDatabase().product(id: "p2")?.variants.map(\.id) == ["vz", "va"])
        }
    }

    @Test func setStockOfProductAndVariant() throws {
        try withStore { store throws in
            let lamp = try store.setStock(productID: "p4", variantID: nil, stock: 42)
            #expect(lamp.stock == 42 && lamp.variants.isEmpty)
            let shirt = try store.setStock(productID: "p2", variantID: "v2", stock: 0)
            #expect(shirt.variants.map(\.stock) == [20, 0, 9] && shirt.stock == 0)
            let viaEmpty = try store.setStock(productID: "p2", variantID: "", stock: 7)
            #expect(viaEmpty.stock == 7 && viaEmpty.variants.map(\.stock) == [20, 0, 9], "'' means the product")
            #expect(try store.product(id: "p2") == viaEmpty)
            #expect(try store.count("SELECT stock FROM products WHERE id = 'p4'") == 42)
            #expect(try store.count("SELECT stock FROM product_variants WHERE id = 'v2'") == 0)
            #expect(try store.count("SELECT stock FROM products WHERE id = 'p2'") == 7)
            _ = try store.setStock(productID: "p4", variantID: nil, stock: CatalogLimits.maxStock)
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
        }
    }

    @Test func setStockErrorsChangeNothing() throws {
        try withStore { store throws in
            try expectUnchanged(store, .notFound, .productNotFound("nope")) {
                try store.setStock(productID: "nope", variantID: nil, stock: 1)
            }
            try expectUnchanged(store, .notFound, .variantNotFound("vx")) {
                try store.setStock(productID: "p2", variantID: "vx", stock: 1)
            }
            try expectUnchanged(store, .notFound, .variantNotFound("v1")) {
                try store.setStock(productID: "p1", variantID: "v1", stock: 1)
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("stock")) {
                try store.setStock(productID: "p1", variantID: nil, stock: -1)
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("stock")) {
                try store.setStock(productID: "p2", variantID: "v1", stock: -5)
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("stock")) {
                try store.setStock(productID: "p1", variantID: nil, stock: CatalogLimits.maxStock + 1)
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("product_id")) {
                try store.setStock(productID: "", variantID: nil, stock: 1)
            }
            #expect(store.cachedCatalog == StaticCatalog(Fixture.products))
        }
    }

    @Test func aVariantOwnedByAnotherProductIsRejectedAndNothingIsWritten() throws {
        try withStore { store throws in
            let fresh = Product(id: "p7", name: "Fresh", price: Fixture.inr(5), stock: 1)
            let thief = Product(
                id: "p8", name: "Thief", price: Fixture.inr(5), stock: 1,
                variants: [ProductVariant(id: "v1", name: "Large", additionalPrice: Fixture.inr(0), stock: 1)])
            var renamed = Fixture.p1
            renamed.name = "Renamed"
            let error = try #require(
                try expectUnchanged(store, .invalidArgument) {
                    try store.upsertProducts([renamed, fresh, thief])
                })
            #expect(error.reason == .invalidField("products[2].variants[0].id"))
            #expect(error.message.contains("v1") && error.message.contains("p2"))
            #expect(try store.product(id: "p7") == nil && store.product(id: "p1") == Fixture.p1)
            #expect(store.cachedCatalog == StaticCatalog(Fixture.products))
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
        }
    }

    @Test func invalidProductsAreRejectedAndNothingIsWritten() throws {
        try withStore { store throws in
            var bad = Fixture.p4
            bad.name = " "
            let fresh = Product(id: "p7", name: "Fresh", price: Fixture.inr(5), stock: 1)
            try expectUnchanged(store, .invalidArgument, .invalidField("products[1].name")) {
                try store.upsertProducts([fresh, bad])
            }
            var negative = Fixture.p1
            negative.stock = -1
            try expectUnchanged(store, .invalidArgument, .invalidField("products[0].stock")) {
                try store.upsertProducts([negative])
            }
            try expectUnchanged(store, .invalidArgument, .invalidField("products[1].id")) {
                try store.upsertProducts([fresh, fresh])
            }
            #expect(store.cachedCatalog == StaticCatalog(Fixture.products))
        }
    }

    @Test func deleteProduct() throws {
        try withStore { store throws in
            #expect(try store.deleteProduct(id: "p2"))
            #expect(try store.product(id: "p2") == nil)
            #expect(try store.count("SELECT COUNT(*) FROM product_variants") == 0, "variants go with it")
            #expect(store.cachedCatalog.productID(ofVariant: "v1") == nil)
            #expect(try !store.deleteProduct(id: "p2"))
            #expect(try !store.deleteProduct(id: "never"))
            expectCartError(.invalidArgument) { try store.deleteProduct(id: "") }
            #expect(try store.listProducts(afterID: nil, limit: 10).map(\.id) == ["p1", "p3", "p4", "u1"])
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
        }
    }

    /// Swift's `String ==` (and so the cache's dictionary) treats canonically equivalent ids as one key, SQLite's
    /// TEXT primary key compares bytes: the second upsert must be rejected or replace the first everywhere.
    @Test func canonicallyEquivalentProductIDsKeepCacheAndDatabaseEqual() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed && !composed.utf8.elementsEqual(decomposed.utf8))
        try withTempDatabasePath { path throws in
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts([Product(id: composed, name: "Composed", price: Fixture.inr(1), stock: 1)])
                _ = try? store.upsertProducts([
                    Product(id: decomposed, name: "Decomposed", price: Fixture.inr(2), stock: 1)
                ])
                let listed = try store.listProducts(afterID: nil, limit: 10)
                #expect(try store.count("SELECT COUNT(*) FROM products") == listed.count, "cache and rows differ")
                #expect(try store.deleteProduct(id: composed))
                #expect(try store.product(id: composed) == nil && store.product(id: decomposed) == nil)
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try reopened.listProducts(afterID: nil, limit: 10).isEmpty, "a deleted product is back")
        }
    }

    /// SetStock named with another normalization of a stored id must reach the row (or fail), never the cache alone.
    @Test func setStockWithAnEquivalentIDReachesTheDatabase() throws {
        try withTempDatabasePath { path throws in
            var reported: Product?
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts([Product(id: "caf\u{E9}", name: "Coffee", price: Fixture.inr(1), stock: 1)])
                reported = try? store.setStock(productID: "cafe\u{301}", variantID: nil, stock: 7)
                #expect(try store.catalogFromDatabase() == store.cachedCatalog, "the cache shows an unwritten change")
            }
            let reopened = try SQLiteStore(path: path)
            if let reported {
                #expect(try reopened.product(id: "caf\u{E9}")?.stock == reported.stock, "the stock change was lost")
            }
        }
    }

    @Test func catalogSurvivesReopening() throws {
        try withTempDatabasePath { path throws in
            var expected = StaticCatalog(Fixture.products)
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts(Fixture.products)
                expected.upsert(try store.setStock(productID: "p2", variantID: "v1", stock: 3))
                expected.upsert(try store.setStock(productID: "p1", variantID: nil, stock: 0))
                _ = try store.deleteProduct(id: "p3")
                expected.remove(id: "p3")
                var mug = Fixture.u1
                mug.active = false
                mug.variants = [ProductVariant(id: "m1", name: "Blue", additionalPrice: Fixture.usd(-100), stock: 8)]
                _ = try store.upsertProducts([mug])
                expected.upsert(mug)
                #expect(store.cachedCatalog == expected)
            }
            let reopened = try SQLiteStore(path: path)
            #expect(reopened.cachedCatalog == expected)
            #expect(try reopened.catalogFromDatabase() == expected)
            let listed = try reopened.listProducts(afterID: nil, limit: 100)
            #expect(listed == expected.products.keys.sorted().compactMap { expected.products[$0] })
        }
    }
}
