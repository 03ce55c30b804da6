// Product validation for UpsertProducts and SetStock: every field's bounds, with the field path in the message.

import CartCore
import Testing

@Suite("Catalog validation")
struct CatalogValidationTests {
    static func valid() -> Product {
        Product(
            id: "p1", name: "Tea", price: Fixture.inr(49_900), stock: 10,
            variants: [ProductVariant(id: "v1", name: "Large", additionalPrice: Fixture.inr(-49_900), stock: 0)])
    }

    @Test func acceptsValidProducts() throws {
        try Self.valid().validate(path: "products[0]")
        try CatalogValidation.validate([Fixture.p1, Fixture.p2, Fixture.p3, Fixture.u1, Fixture.p4])
        try CatalogValidation.validate([])
        var unicode = Self.valid()
        unicode.id = "चाय-€-☕"
        unicode.name = String(repeating: "é", count: 200)
        unicode.price.amountMinor = CatalogLimits.maxPriceMinor
        unicode.stock = CatalogLimits.maxStock
        try unicode.validate()
    }

    /// Each mutation makes the product invalid, with this field path and (a prefix of) this message.
    static let invalid: [(String, @Sendable (inout Product) -> Void, String, String)] = [
        ("empty id", { $0.id = "" }, "products[3].id", "products[3].id: must not be empty"),
        ("129-byte id", { $0.id = String(repeating: "a", count: 129) }, "products[3].id", "products[3].id: must be"),
        ("64 two-byte chars + 1", { $0.id = String(repeating: "é", count: 64) + "a" }, "products[3].id", ""),
        ("id with space", { $0.id = "p 1" }, "products[3].id", ""),
        ("id with NUL", { $0.id = "p\u{0}1" }, "products[3].id", ""),
        ("id with newline", { $0.id = "p1\n" }, "products[3].id", ""),
        ("id with zero-width space", { $0.id = "p\u{200B}1" }, "products[3].id", ""),
        ("empty name", { $0.name = "" }, "products[3].name", "products[3].name: must not be empty"),
        ("blank name", { $0.name = "   " }, "products[3].name", ""),
        ("201-char name", { $0.name = String(repeating: "x", count: 201) }, "products[3].name", ""),
        ("name with control", { $0.name = "Tea\u{7}" }, "products[3].name", ""),
        ("lower-case currency", { $0.price.currencyCode = "inr" }, "products[3].price.currency_code", ""),
        ("no currency", { $0.price.currencyCode = "" }, "products[3].price.currency_code", ""),
        ("negative price", { $0.price.amountMinor = -1 }, "products[3].price.amount_minor", ""),
        (
            "price over cap", { $0.price.amountMinor = CatalogLimits.maxPriceMinor + 1 },
            "products[3].price.amount_minor", ""
        ),
        ("negative stock", { $0.stock = -1 }, "products[3].stock", "products[3].stock: must be between 0 and"),
        ("stock over cap", { $0.stock = CatalogLimits.maxStock + 1 }, "products[3].stock", ""),
        (
            "101 variants",
            { product in
                product.variants = (0...100).map {
                    ProductVariant(id: "v\($0)", name: "V", additionalPrice: Fixture.inr(0), stock: 0)
                }
            }, "products[3].variants", ""
        ),
        (
            "variant currency", { $0.variants[0].additionalPrice = Fixture.usd(0) },
            "products[3].variants[0].additional_price",
            "products[3].variants[0].additional_price: currency USD differs from the product's INR"
        ),
        (
            "variant bad currency", { $0.variants[0].additionalPrice.currencyCode = "zz" },
            "products[3].variants[0].additional_price",
            "products[3].variants[0].additional_price: currency must be the product's INR"
        ),
        (
            "unit price below zero", { $0.variants[0].additionalPrice = Fixture.inr(-49_901) },
            "products[3].variants[0].additional_price.amount_minor", ""
        ),
        (
            "additional over cap", { $0.variants[0].additionalPrice = Fixture.inr(CatalogLimits.maxPriceMinor + 1) },
            "products[3].variants[0].additional_price.amount_minor", ""
        ),
        ("variant id empty", { $0.variants[0].id = "" }, "products[3].variants[0].id", ""),
        ("variant name empty", { $0.variants[0].name = "" }, "products[3].variants[0].name", ""),
        ("variant stock", { $0.variants[0].stock = -5 }, "products[3].variants[0].stock", ""),
        (
            "duplicate variant", { $0.variants.append($0.variants[0]) }, "products[3].variants[1].id",
            "products[3].variants[1].id: variant v1 appears twice in the product"
        ),
    ]

    @Test("rejects", arguments: invalid.indices)
    func rejects(index: Int) {
        let (_, mutate, field, prefix) = Self.invalid[index]
        var product = Self.valid()
        mutate(&product)
        let error = expectCartError(.invalidArgument, .invalidField(field)) { () throws(CartError) in
            try product.validate(path: "products[3]")
        }
        #expect(error?.message.hasPrefix(prefix) == true, "\(error?.message ?? "")")
    }

    @Test func batchRejectsDuplicateProductsAndSharedVariants() {
        expectCartError(.invalidArgument, .invalidField("products[1].id")) { () throws(CartError) in
            try CatalogValidation.validate([Fixture.p1, Fixture.p1])
        }
        var other = Fixture.p4
        other.variants = [Fixture.p2.variants[0]]
        expectCartError(
            .invalidArgument, .invalidField("products[1].variants[0].id"),
            message: "products[1].variants[0].id: variant v1 is also a variant of product p2"
        ) { () throws(CartError) in
            try CatalogValidation.validate([Fixture.p2, other])
        }
        var bad = Fixture.p1
        bad.name = ""
        expectCartError(.invalidArgument, .invalidField("products[1].name")) { () throws(CartError) in
            try CatalogValidation.validate([Fixture.p4, bad])
        }
    }

    @Test func stockValidation() throws {
        try CatalogValidation.validateStock(0, field: "stock")
        try CatalogValidation.validateStock(CatalogLimits.maxStock, field: "stock")
        expectCartError(.invalidArgument, .invalidField("stock")) { () throws(CartError) in
            try CatalogValidation.validateStock(-1, field: "stock")
        }
    }

    @Test func productLookups() throws {
        #expect(Fixture.p2.variant(id: "v1")?.name == "Large")
        #expect(Fixture.p2.variant(id: "v9") == nil)
        #expect(try Fixture.p2.unitPrice(variant: Fixture.p2.variants[0]) == Fixture.inr(105_000))
        #expect(try Fixture.p2.unitPrice(variant: nil) == Fixture.inr(100_000))
        #expect(Fixture.p2.stock(variantID: nil) == 0)
        #expect(Fixture.p2.stock(variantID: "v1") == 5)
        #expect(Fixture.p2.stock(variantID: "nope") == nil)
    }
}
