// Catalog products and their variants, as CartCore sees them.

/// A product of the catalog.
///
/// Stock is tracked on the variant for lines that have one, else on the product.
/// Thread safety: a value type, `Sendable`.
public struct Product: Hashable, Sendable, Codable {
    /// The product's id (1…128 UTF-8 bytes, no whitespace or control characters).
    public var id: String
    /// Display name (1…200 characters).
    public var name: String
    /// Unit price of the product without a variant.
    public var price: Money
    /// Inactive products cannot be added; cart lines holding one turn unavailable.
    public var active: Bool
    /// Units in stock, for lines without a variant.
    public var stock: Int64
    /// The product's variants; an upsert replaces the whole list.
    public var variants: [ProductVariant]

    /// Creates a product.
    /// - Parameters:
    ///   - id: The product's id.
    ///   - name: Display name.
    ///   - price: Unit price.
    ///   - active: Whether it can be added to carts.
    ///   - stock: Units in stock for lines without a variant.
    ///   - variants: The product's variants.
    public init(
        id: String, name: String, price: Money, active: Bool = true, stock: Int64, variants: [ProductVariant] = []
    ) {
        self.id = id
        self.name = name
        self.price = price
        self.active = active
        self.stock = stock
        self.variants = variants
    }

    /// The variant with this id, if the product has it.
    /// - Parameter id: A variant id.
    /// - Returns: The variant, or `nil`.
    public func variant(id: String) -> ProductVariant? {
        variants.first { $0.id == id }
    }

    /// The unit price of the product, or of one of its variants: price plus the variant's additional price.
    /// - Parameter variant: The variant, or `nil` for the product alone.
    /// - Returns: The unit price in the product's currency.
    /// - Throws: `CartError` on a currency mismatch or overflow (impossible for a validated product).
    public func unitPrice(variant: ProductVariant?) throws(CartError) -> Money {
        guard let variant else { return price }
        return try price.adding(variant.additionalPrice)
    }

    /// The units in stock of the product, or of one of its variants.
    /// - Parameter variantID: The variant, or `nil` for the product's own stock.
    /// - Returns: The stock, or `nil` when the product has no such variant.
    public func stock(variantID: String?) -> Int64? {
        guard let variantID else { return stock }
        return variant(id: variantID)?.stock
    }
}

/// A variant of a product (a size, a colour).
///
/// Thread safety: a value type, `Sendable`.
public struct ProductVariant: Hashable, Sendable, Codable {
    /// The variant's id, unique across the catalog.
    public var id: String
    /// Display name, e.g. "Large".
    public var name: String
    /// Added to the product's price; same currency as the product; may be zero or negative.
    public var additionalPrice: Money
    /// Inactive variants cannot be added; cart lines holding one turn unavailable.
    public var active: Bool
    /// Units in stock of this variant.
    public var stock: Int64

    /// Creates a variant.
    /// - Parameters:
    ///   - id: The variant's id.
    ///   - name: Display name.
    ///   - additionalPrice: Added to the product's price.
    ///   - active: Whether it can be added to carts.
    ///   - stock: Units in stock.
    public init(id: String, name: String, additionalPrice: Money, active: Bool = true, stock: Int64) {
        self.id = id
        self.name = name
        self.additionalPrice = additionalPrice
        self.active = active
        self.stock = stock
    }
}
