import Foundation

// The rules a product must satisfy before UpsertProducts or SetStock writes it.

/// Limits on catalog data, chosen so arithmetic stays far from `Int64` overflow.
///
/// With a unit price of at most 2 × 10¹³ minor units (price + additional price), 50 units a line and 100 lines,
/// a cart total stays below 10¹⁷ — two orders of magnitude under `Int64.max` (≈ 9.2 × 10¹⁸). Even so every sum
/// and product is overflow-checked. 10¹³ paise is ₹100 billion: no real price comes near.
/// Thread safety: constants only.
public enum CatalogLimits {
    /// Longest product or variant id, in UTF-8 bytes.
    public static let maxIDBytes = 128
    /// Longest product or variant name, in characters (grapheme clusters).
    public static let maxNameLength = 200
    /// Largest product price and additional price, in minor units (10¹³).
    public static let maxPriceMinor: Int64 = 10_000_000_000_000
    /// Largest stock of a product or variant (10⁹ units).
    public static let maxStock: Int64 = 1_000_000_000
    /// Most variants a product may have.
    public static let maxVariants = 100
}

/// Validation of catalog writes. Errors are INVALID_ARGUMENT naming the field's path, e.g.
/// `"products[3].variants[1].additional_price: currency USD differs from the product's INR"`.
///
/// Thread safety: stateless; all members are safe from any thread.
public enum CatalogValidation {
    /// Validates the products of one UpsertProducts request: each product, no id twice in the request, and no
    /// variant id on two products of the request. (Uniqueness against products already stored is the store's job.)
    /// - Parameters:
    ///   - products: The products, in request order.
    ///   - field: The wire name of the repeated field, `products` by default.
    /// - Throws: `CartError` INVALID_ARGUMENT for the first problem found.
    public static func validate(_ products: [Product], field: String = "products") throws(CartError) {
        var productIndex: [String: Int] = [:]
        var variantOwner: [String: String] = [:]
        for (index, product) in products.enumerated() {
            let path = "\(field)[\(index)]"
            try product.validate(path: path)
            if let first = productIndex[product.id] {
                throw CartError.invalidField("\(path).id", "product \(product.id) is also \(field)[\(first)]")
            }
            productIndex[product.id] = index
            for (vIndex, variant) in product.variants.enumerated() {
                if let owner = variantOwner[variant.id], owner != product.id {
                    throw CartError.invalidField(
                        "\(path).variants[\(vIndex)].id", "variant \(variant.id) is also a variant of product \(owner)")
                }
                variantOwner[variant.id] = product.id
            }
        }
    }

    /// Validates a catalog id: 1…128 UTF-8 bytes with no whitespace, control, format or unassigned characters.
    /// - Parameters:
    ///   - id: The id.
    ///   - field: The field's path for the message.
    /// - Throws: `CartError` INVALID_ARGUMENT.
    public static func validateID(_ id: String, field: String) throws(CartError) {
        guard !id.isEmpty else { throw CartError.invalidField(field, "must not be empty") }
        guard id.utf8.count <= CatalogLimits.maxIDBytes else {
            throw CartError.invalidField(field, "must be at most \(CatalogLimits.maxIDBytes) bytes of UTF-8")
        }
        guard id.unicodeScalars.allSatisfy(isPrintableNonSpace) else {
            throw CartError.invalidField(field, "must not contain spaces, control or invisible characters")
        }
        // Swift compares strings by canonical equivalence, SQL by bytes: only NFC ids keep the two in step.
        guard id.utf8.elementsEqual(id.precomposedStringWithCanonicalMapping.utf8) else {
            throw CartError.invalidField(field, "must be in Unicode normalization form C (NFC)")
        }
    }

    /// Validates a display name: 1…200 characters, not only whitespace, no control characters.
    /// - Parameters:
    ///   - name: The name.
    ///   - field: The field's path for the message.
    /// - Throws: `CartError` INVALID_ARGUMENT.
    public static func validateName(_ name: String, field: String) throws(CartError) {
        guard name.contains(where: { !$0.isWhitespace }) else {
            throw CartError.invalidField(field, "must not be empty")
        }
        guard name.count <= CatalogLimits.maxNameLength else {
            throw CartError.invalidField(field, "must be at most \(CatalogLimits.maxNameLength) characters")
        }
        guard !IDValidation.containsControlCharacters(name) else {
            throw CartError.invalidField(field, "must not contain control characters")
        }
    }

    /// Validates a stock figure: 0…10⁹.
    /// - Parameters:
    ///   - stock: Units in stock.
    ///   - field: The field's path for the message.
    /// - Throws: `CartError` INVALID_ARGUMENT.
    public static func validateStock(_ stock: Int64, field: String) throws(CartError) {
        guard (0...CatalogLimits.maxStock).contains(stock) else {
            throw CartError.invalidField(field, "must be between 0 and \(CatalogLimits.maxStock)")
        }
    }

    private static func isPrintableNonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
            .spaceSeparator, .lineSeparator, .paragraphSeparator:
            false
        default:
            !scalar.properties.isWhitespace
        }
    }
}

extension Product {
    /// Validates the product as an UpsertProducts entry (see `CatalogLimits` for the bounds).
    ///
    /// Rules: valid id and name; price in an accepted ISO-4217 currency, 0…10¹³ minor units; at most 100 variants
    /// with unique ids, valid names, additional prices in the product's currency between −price and 10¹³ (a unit
    /// price is never negative); stocks 0…10⁹.
    /// - Parameter path: The product's path in the request, e.g. `products[3]`, prefixed to every field.
    /// - Throws: `CartError` INVALID_ARGUMENT naming the first bad field.
    public func validate(path: String = "product") throws(CartError) {
        try CatalogValidation.validateID(id, field: "\(path).id")
        try CatalogValidation.validateName(name, field: "\(path).name")
        try Currency.validate(price.currencyCode, field: "\(path).price.currency_code")
        guard (0...CatalogLimits.maxPriceMinor).contains(price.amountMinor) else {
            throw CartError.invalidField(
                "\(path).price.amount_minor", "must be between 0 and \(CatalogLimits.maxPriceMinor)")
        }
        try CatalogValidation.validateStock(stock, field: "\(path).stock")
        guard variants.count <= CatalogLimits.maxVariants else {
            throw CartError.invalidField("\(path).variants", "at most \(CatalogLimits.maxVariants) variants")
        }
        var seen: Set<String> = []
        for (index, variant) in variants.enumerated() {
            let vPath = "\(path).variants[\(index)]"
            try variant.validate(path: vPath, productPrice: price)
            guard seen.insert(variant.id).inserted else {
                throw CartError.invalidField("\(vPath).id", "variant \(variant.id) appears twice in the product")
            }
        }
    }
}

extension ProductVariant {
    /// Validates the variant as part of a product whose price is `productPrice`.
    /// - Parameters:
    ///   - path: The variant's path, e.g. `products[3].variants[1]`.
    ///   - productPrice: The owning product's (already validated) price.
    /// - Throws: `CartError` INVALID_ARGUMENT naming the first bad field.
    public func validate(path: String, productPrice: Money) throws(CartError) {
        try CatalogValidation.validateID(id, field: "\(path).id")
        try CatalogValidation.validateName(name, field: "\(path).name")
        guard additionalPrice.currencyCode == productPrice.currencyCode else {
            let code = additionalPrice.currencyCode
            let problem =
                Currency.isValid(code)
                ? "currency \(code) differs from the product's \(productPrice.currencyCode)"
                : "currency must be the product's \(productPrice.currencyCode)"
            throw CartError.invalidField("\(path).additional_price", problem)
        }
        guard (-productPrice.amountMinor...CatalogLimits.maxPriceMinor).contains(additionalPrice.amountMinor) else {
            throw CartError.invalidField(
                "\(path).additional_price.amount_minor",
                "must be between \(-productPrice.amountMinor) and \(CatalogLimits.maxPriceMinor) "
                    + "(the unit price must not be negative)")
        }
        try CatalogValidation.validateStock(stock, field: "\(path).stock")
    }
}
