// Read access to the catalog for the cart rules and the pricer, and a dictionary-backed implementation.

/// What the cart rules and the pricer need to know about the catalog.
///
/// Methods do not throw: a store prepares a snapshot (e.g. a `StaticCatalog` of the products a command and a cart
/// refer to, with its pending reservations) inside its transaction, then hands it to `CartRules` and `CartPricer`.
public protocol CatalogLookup {
    /// The product with this id, active or not; `nil` when it does not exist (or was deleted).
    func product(id: String) -> Product?
    /// The id of the product that has a variant with this id, or `nil` when no product has it.
    func productID(ofVariant variantID: String) -> String?
    /// Units that can be bought now: the stock of the variant (or of the product when `variantID` is `nil`) minus
    /// units reserved by pending payments. May be ≤ 0; 0 when the product or variant does not exist.
    func availableUnits(productID: String, variantID: String?) -> Int64
}

/// Where stock is counted: a product's own stock, or one of its variants'.
///
/// Thread safety: a value type, `Sendable`.
public struct StockKey: Hashable, Sendable, Codable {
    /// The product.
    public var productID: String
    /// The variant, or `nil` for the product's own stock.
    public var variantID: String?

    /// Creates a key.
    public init(productID: String, variantID: String?) {
        self.productID = productID
        self.variantID = variantID
    }
}

/// A `CatalogLookup` over an in-memory set of products, with optional reserved units.
///
/// Used by tests, by simple callers, and by stores as the per-transaction snapshot. If two products claim the same
/// variant id (which `CatalogValidation` and the store forbid), `productID(ofVariant:)` answers the later one.
/// Thread safety: a value type, `Sendable`.
public struct StaticCatalog: CatalogLookup, Sendable, Hashable {
    /// The products by id.
    public private(set) var products: [String: Product]
    /// Units held by pending payments, subtracted from stock by `availableUnits`.
    public var reservedUnits: [StockKey: Int64]
    private var variantOwners: [String: String]

    /// Creates a catalog.
    /// - Parameters:
    ///   - products: The products; a later product with the same id replaces an earlier one.
    ///   - reservedUnits: Units held by pending payments.
    public init(_ products: [Product] = [], reservedUnits: [StockKey: Int64] = [:]) {
        self.products = [:]
        self.variantOwners = [:]
        self.reservedUnits = reservedUnits
        for product in products {
            upsert(product)
        }
    }

    /// Adds or replaces a product, variants included.
    /// - Parameter product: The product.
    public mutating func upsert(_ product: Product) {
        remove(id: product.id)
        products[product.id] = product
        for variant in product.variants {
            variantOwners[variant.id] = product.id
        }
    }

    /// Removes a product and its variants.
    /// - Parameter id: The product's id.
    /// - Returns: Whether a product was removed.
    @discardableResult
    public mutating func remove(id: String) -> Bool {
        guard let old = products.removeValue(forKey: id) else { return false }
        for variant in old.variants where variantOwners[variant.id] == id {
            variantOwners.removeValue(forKey: variant.id)
        }
        return true
    }

    /// The product with this id.
    public func product(id: String) -> Product? {
        products[id]
    }

    /// The id of the product owning this variant.
    public func productID(ofVariant variantID: String) -> String? {
        variantOwners[variantID]
    }

    /// Stock of the product or variant minus reserved units; 0 when it does not exist.
    public func availableUnits(productID: String, variantID: String?) -> Int64 {
        guard let stock = products[productID]?.stock(variantID: variantID) else { return 0 }
        let reserved = reservedUnits[StockKey(productID: productID, variantID: variantID)] ?? 0
        let (available, overflow) = stock.subtractingReportingOverflow(reserved)
        return overflow ? 0 : available
    }
}

/// What the catalog says about a product + variant pair: can it be bought, and if not, why.
///
/// Thread safety: a value type, `Sendable`.
public enum CatalogResolution: Hashable, Sendable {
    /// No product has the id (never existed, or deleted).
    case productMissing
    /// The product exists but is inactive.
    case productInactive(Product)
    /// The product exists and is active but has no variant with the id.
    case variantMissing(Product)
    /// The variant exists but is inactive.
    case variantInactive(Product, ProductVariant)
    /// The product (and variant, if any) exist and are active.
    case available(Product, ProductVariant?)
}

extension CatalogLookup {
    /// Looks up a product + variant pair.
    /// - Parameters:
    ///   - productID: The product.
    ///   - variantID: The variant, or `nil`.
    /// - Returns: Whether the pair can be bought, with the catalog entries found.
    public func resolve(productID: String, variantID: String?) -> CatalogResolution {
        guard let product = product(id: productID) else { return .productMissing }
        guard product.active else { return .productInactive(product) }
        guard let variantID else { return .available(product, nil) }
        guard let variant = product.variant(id: variantID) else { return .variantMissing(product) }
        guard variant.active else { return .variantInactive(product, variant) }
        return .available(product, variant)
    }
}
