import CartCore
import GRDB

extension SQLiteStore: CatalogStore {
    /// Validates and writes products (each replaces any product of the same id, variants included),
    /// all in one transaction.
    /// - Throws: `CartError` INVALID_ARGUMENT naming the first bad field, or when a variant id already
    ///   belongs to another product; ``StoreError`` on storage failure. Nothing is written on error.
    public func upsertProducts(_ products: [Product]) throws -> Int {
        try CatalogValidation.validate(products)
        let now = Self.nowMs()
        return try write(touchesCatalog: true) { db in
            try catalog.read { (current: UserCatalogView) throws(CartError) in
                for (index, product) in products.enumerated() {
                    for (variantIndex, variant) in product.variants.enumerated() {
                        if let owner = current.productID(ofVariant: variant.id), owner != product.id {
                            throw CartError.invalidField(
                                "products[\(index)].variants[\(variantIndex)].id",
                                "variant \(variant.id) already belongs to product \(owner)")
                        }
                    }
                }
            }
            for product in products { try CatalogRows.upsert(product, nowMs: now, db) }
            catalog.update { state in
                for product in products { state.catalog.upsert(product) }
            }
            return products.count
        }
    }

    /// The product with this id, if any.
    public func product(id: String) throws -> Product? {
        catalog.read { $0.product(id: id) }
    }

    /// Products in id order, after `afterID`.
    public func listProducts(afterID: String?, limit: Int) throws -> [Product] {
        catalog.read { view in
            let catalog = view.base
            let ids = catalog.products.keys.filter { afterID == nil || $0 > afterID! }.sorted().prefix(max(limit, 0))
            return ids.compactMap { catalog.products[$0] }
        }
    }

    /// Sets the stock of a product (variantID nil) or of one of its variants.
    /// - Throws: `CartError` NOT_FOUND for an unknown product or variant, INVALID_ARGUMENT for a stock
    ///   out of 0…10^9.
    public func setStock(productID: String, variantID: String?, stock: Int64) throws -> Product {
        try IDValidation.required(productID, field: "product_id")
        try CatalogValidation.validateStock(stock, field: "stock")
        let variantID = CartCommand.normalizedVariantID(variantID)
        return try write(touchesCatalog: true) { db in
            guard var product = catalog.read({ $0.product(id: productID) }) else {
                throw CartError.productNotFound(productID)
            }
            if let variantID {
                guard let index = product.variants.firstIndex(where: { $0.id == variantID }) else {
                    throw CartError.variantNotFound(variantID)
                }
                product.variants[index].stock = stock
                // Bind the stored ids (the request may spell them in another Unicode form).
                try db.cachedStatement(sql: "UPDATE product_variants SET stock = ? WHERE id = ? AND product_id = ?")
                    .execute(arguments: [stock, product.variants[index].id, product.id])
            } else {
                product.stock = stock
                try db.cachedStatement(sql: "UPDATE products SET stock = ?, updated_at_ms = ? WHERE id = ?")
                    .execute(arguments: [stock, Self.nowMs(), product.id])
            }
            guard db.changesCount == 1 else {
                throw StoreError(.other, detail: "stock update of \(product.id) matched \(db.changesCount) rows")
            }
            let updated = product
            catalog.update { $0.catalog.upsert(updated) }
            return updated
        }
    }

    /// Deletes a product and its variants; carts holding it keep their lines (now unavailable).
    /// - Returns: Whether a product was deleted.
    public func deleteProduct(id: String) throws -> Bool {
        try IDValidation.required(id, field: "product_id")
        return try write(touchesCatalog: true) { db in
            // Delete by the stored id (the request may spell it in another Unicode form).
            guard let stored = catalog.read({ $0.product(id: id)?.id }) else { return false }
            try db.cachedStatement(sql: "DELETE FROM products WHERE id = ?").execute(arguments: [stored])
            guard db.changesCount > 0 else { return false }
            catalog.update { _ = $0.catalog.remove(id: stored) }
            return true
        }
    }
}
