// cartctl's pure parts: token lifetimes, the JSON models of catalog files and --json output, the cart table.

import CartCore
import Foundation
import Testing
@testable import cartctl

@Suite("cartctl token lifetimes")
struct TokenLifetimeTests {
    @Test("units s, m, h, d and plain seconds", arguments: [
        ("30s", 30), ("15m", 900), ("1h", 3600), ("2d", 172_800), ("90", 90), ("1s", 1),
    ])
    func parses(text: String, seconds: Int) {
        #expect(TokenLifetime.parse(text) == seconds)
    }

    @Test("refuses what is not a positive lifetime", arguments: [
        "", "h", "0s", "0", "-1h", "1x", "1.5h", "1 h", "1hh", "h1", "99999999999999999999d", "１h",
    ])
    func refuses(text: String) {
        #expect(TokenLifetime.parse(text) == nil)
    }
}

@Suite("cartctl JSON models")
struct JSONModelTests {
    static let exampleFile = """
        {"products":[{"id":"tee-classic","name":"Classic Tee","price":{"currency_code":"INR","amount_minor":49900},\
        "active":true,"stock":100,"variants":[{"id":"tee-classic-m","name":"M",\
        "additional_price":{"currency_code":"INR","amount_minor":0},"active":true,"stock":40}]}]}
        """

    static let exampleProduct = Product(
        id: "tee-classic", name: "Classic Tee", price: inr(49900), active: true, stock: 100,
        variants: [ProductVariant(id: "tee-classic-m", name: "M", additionalPrice: inr(0), active: true, stock: 40)])

    @Test("a catalog file becomes products, and products write back to the same file")
    func catalogRoundTrip() throws {
        let decoded = try JSONDecoder().decode(CatalogJSON.self, from: Data(Self.exampleFile.utf8))
        #expect(decoded.products.map(\.product) == [Self.exampleProduct])
        let written = JSONOutput.line(CatalogJSON(products: [Self.exampleProduct]))
        #expect(try jsonObject(written) == jsonObject(Self.exampleFile), "the same document, field for field")
        #expect(written.hasPrefix(#"{"products":[{"active":true,"id":"tee-classic","name":"Classic Tee","price":"#))
        let reread = try JSONDecoder().decode(CatalogJSON.self, from: Data(written.utf8))
        #expect(reread.products.map(\.product) == [Self.exampleProduct])
    }

    @Test("absent fields take their defaults; 64-bit numbers may be strings")
    func lenientReading() throws {
        let text = """
            {"products":[{"id":"mug","name":"Mug","price":{"currency_code":"INR","amount_minor":"34900"},
            "variants":[{"id":"mug-blue","name":"Blue","stock":"7"}]}]}
            """
        let product = try #require(try JSONDecoder().decode(CatalogJSON.self, from: Data(text.utf8)).products.first)
            .product
        #expect(product == Product(id: "mug", name: "Mug", price: inr(34900), active: true, stock: 0, variants: [
            ProductVariant(id: "mug-blue", name: "Blue", additionalPrice: inr(0), active: true, stock: 7),
        ]))
    }

    @Test("a bad catalog file is refused naming the place")
    func badFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString).json")
        try Data(#"{"products":[{"id":"x","name":"X"}]}"#.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        #expect {
            try CatalogJSON.read(file: path.path)
        } throws: { error in
            let error = error as? CLIError
            return error?.code == .invalidArgument && error?.message.hasSuffix("products[0].price is missing") == true
        }
        #expect(throws: CLIError.self) { try CatalogJSON.read(file: "/no/such/catalog.json") }
    }

    @Test("a cart survives --json output and back, problems included")
    func cartRoundTrip() throws {
        let cart = CartTableTests.cart
        let text = JSONOutput.line(CartJSON(cart))
        #expect(text.contains(#""code":"INSUFFICIENT_STOCK""#))
        #expect(text.contains(#""total_price":{"amount_minor":184600,"currency_code":"INR"}"#))
        #expect(text.contains(#""has_unavailable_items":false"#))
        #expect(try JSONDecoder().decode(CartJSON.self, from: Data(text.utf8)).cart == cart)
    }

    @Test("admin backup and merge --json are JSON whatever the path holds")
    func adminJSON() throws {
        let backup = JSONOutput.line(BackupJSON(path: #"/tmp/a "quoted" \ path.db"#, sizeBytes: 4096))
        #expect(backup == #"{"path":"/tmp/a \"quoted\" \\ path.db","size_bytes":4096}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(backup.utf8)) as? [String: Any])
        #expect(object["path"] as? String == #"/tmp/a "quoted" \ path.db"#)
        let merge = JSONOutput.line(LegacyImportJSON(users: 2, cartsMerged: 4, lines: 3, linesCapped: 1, skipped: 1))
        #expect(merge == #"{"carts_merged":4,"lines":3,"lines_capped":1,"skipped":1,"users":2}"#)
    }

    @Test("the demo catalog is valid and has what the demo and the Go interop test need")
    func demoCatalog() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/demo-catalog.json")
        let products = try CatalogJSON.read(file: file.path)
        try CatalogValidation.validate(products)
        #expect(products.count == 12)
        #expect(products.allSatisfy { $0.price.currencyCode == "INR" })
        let tee = try #require(products.first { $0.id == "tee-classic" })
        #expect(try #require(tee.variant(id: "tee-classic-m")).stock >= 20)
        #expect(products.filter { !$0.active }.count == 1)
        #expect(products.contains { $0.variants.isEmpty && $0.stock == 0 && $0.active })
        #expect(products.contains { $0.variants.isEmpty && $0.stock == 3 && $0.active })
        #expect(products.filter { !$0.variants.isEmpty }.count >= 4)
        #expect(products.contains { $0.variants.contains { !$0.additionalPrice.isZero } })
    }
}

/// A JSON document as Foundation objects, for comparisons that ignore key order.
func jsonObject(_ text: String) throws -> NSDictionary? {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
}

@Suite("cartctl cart table")
struct CartTableTests {
    static let cart = pricedCart(version: 4, items: [
        line("itm_1", variant: "tee-classic-m", variantName: "M", quantity: 3, problems: [
            ItemProblem(code: .insufficientStock, message: "Only 2 left in stock", availableQuantity: 2),
        ]),
        line("itm_22", product: "mug-ceramic", name: "Ceramic Mug 350 ml", unit: 34900),
    ])

    @Test("one row a line with its problems, then the footer")
    func table() {
        let expected = """
            #  ITEM    PRODUCT             QTY     UNIT     TOTAL  PROBLEMS
            1  itm_1   Classic Tee (M)       3  ₹499.00  ₹1497.00  INSUFFICIENT_STOCK: Only 2 left in stock
            2  itm_22  Ceramic Mug 350 ml    1  ₹349.00   ₹349.00
            version 4 · 2 lines · 4 items · total ₹1846.00
            """
        #expect(CartTable.render(Self.cart) == expected)
    }

    @Test("several problems are joined; an empty cart still shows the footer")
    func problemsAndEmpty() {
        var item = line("itm_3", quantity: 1, problems: [
            ItemProblem(code: .productUnavailable, message: "No longer sold"),
            ItemProblem(code: .priceChanged, message: "Price went up", previousUnitPrice: inr(45000)),
        ])
        item.available = false
        #expect(CartTable.problems(item) == "PRODUCT_UNAVAILABLE: No longer sold; PRICE_CHANGED: Price went up")
        #expect(CartTable.render(pricedCart(version: 0)) == "(the cart is empty)\nversion 0 · 0 lines · 0 items · total ₹0.00")
        #expect(CartTable.footer(pricedCart(version: 2, items: [line("a")])) == "version 2 · 1 line · 1 item · total ₹499.00")
    }
}
