import CartCore
import GRDB

/// Reading and writing products and variants as rows.
enum CatalogRows {
    /// Loads the catalog and the reservations of pending payments.
    static func loadState(_ db: Database) throws -> CatalogCache.State {
        var state = CatalogCache.State(catalog: try loadAll(db), reservedByUser: [:])
        let rows = try Row.fetchCursor(db, sql: """
            SELECT p.user_id, r.product_id, r.variant_id, r.quantity
            FROM stock_reservations r JOIN payments p ON p.id = r.payment_id WHERE p.status = 'created'
            """)
        while let row = try rows.next() {
            let variant: String = row[2]
            state.reserve(userID: row[0], key: StockKey(productID: row[1], variantID: variant.isEmpty ? nil : variant),
                          units: row[3])
        }
        return state
    }

    /// Loads the whole catalog.
    static func loadAll(_ db: Database) throws -> StaticCatalog {
        var variants: [String: [ProductVariant]] = [:]
        let variantRows = try Row.fetchCursor(db, sql: """
            SELECT v.id, v.product_id, v.name, v.additional_price_minor, v.active, v.stock, p.currency_code
            FROM product_variants v JOIN products p ON p.id = v.product_id
            ORDER BY v.product_id, v.position
            """)
        while let row = try variantRows.next() {
            let productID: String = row[1]
            variants[productID, default: []].append(ProductVariant(
                id: row[0], name: row[2], additionalPrice: Money(currencyCode: row[6], amountMinor: row[3]),
                active: row[4], stock: row[5]))
        }
        var products: [Product] = []
        let productRows = try Row.fetchCursor(db, sql: """
            SELECT id, name, currency_code, price_minor, active, stock FROM products ORDER BY id
            """)
        while let row = try productRows.next() {
            let id: String = row[0]
            products.append(Product(
                id: id, name: row[1], price: Money(currencyCode: row[2], amountMinor: row[3]), active: row[4],
                stock: row[5], variants: variants[id] ?? []))
        }
        return StaticCatalog(products)
    }

    /// Writes one product and replaces its variants.
    static func upsert(_ product: Product, nowMs: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO products (id, name, currency_code, price_minor, active, stock, updated_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, currency_code = excluded.currency_code,
                price_minor = excluded.price_minor, active = excluded.active, stock = excluded.stock,
                updated_at_ms = excluded.updated_at_ms
            """).execute(arguments: [product.id, product.name, product.price.currencyCode, product.price.amountMinor,
                                     product.active, product.stock, nowMs])
        try db.cachedStatement(sql: "DELETE FROM product_variants WHERE product_id = ?").execute(arguments: [product.id])
        let insert = try db.cachedStatement(sql: """
            INSERT INTO product_variants (id, product_id, position, name, additional_price_minor, active, stock)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for (position, variant) in product.variants.enumerated() {
            try insert.execute(arguments: [variant.id, product.id, position, variant.name,
                                           variant.additionalPrice.amountMinor, variant.active, variant.stock])
        }
    }
}
