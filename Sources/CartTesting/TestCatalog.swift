import CartClient
import CartCore

/// A small fixed catalog for socket-level tests (INR).
public enum TestCatalog {
    /// ₹ in paise.
    public static func inr(_ minor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: minor) }

    /// The products: a shirt with sizes (S plentiful, L scarce, XL inactive), a mug (stock 5), a pen
    /// (₹10.50, stock 1,000), an inactive product and one out of stock.
    public static let products: [Product] = [
        Product(id: "p-shirt", name: "Shirt", price: inr(50_000), active: true, stock: 100, variants: [
            ProductVariant(id: "p-shirt-s", name: "S", additionalPrice: inr(0), active: true, stock: 200),
            ProductVariant(id: "p-shirt-l", name: "L", additionalPrice: inr(5_000), active: true, stock: 2),
            ProductVariant(id: "p-shirt-xl", name: "XL", additionalPrice: inr(5_000), active: false, stock: 10),
        ]),
        Product(id: "p-mug", name: "Mug", price: inr(25_000), active: true, stock: 5, variants: []),
        Product(id: "p-pen", name: "Pen", price: inr(1_050), active: true, stock: 1_000, variants: []),
        Product(id: "p-retired", name: "Retired", price: inr(9_900), active: false, stock: 10, variants: []),
        Product(id: "p-soldout", name: "Sold out", price: inr(9_900), active: true, stock: 0, variants: []),
    ]

    /// Loads ``products`` into the daemon as an admin.
    public static func load(into daemon: TestDaemon) async throws {
        let admin = try await daemon.client(user: "catalog-admin", admin: true)
        _ = try await admin.upsertProducts(products)
        await admin.close()
    }
}
