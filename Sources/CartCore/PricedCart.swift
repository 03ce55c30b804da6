// The API's view of a cart: every line priced live from the catalog, with its problems and the totals.

/// A cart as the API returns it (`cart.v1.Cart`): lines priced from the live catalog, problems and totals.
///
/// Built by `CartPricer.price(_:catalog:)`; never persisted.
/// Thread safety: a value type, `Sendable`.
public struct PricedCart: Hashable, Sendable, Codable {
    /// The cart's id.
    public var id: String
    /// The owner.
    public var userID: String
    /// Number of committed changes.
    public var version: UInt64
    /// The currency of every price in the cart.
    public var currencyCode: String
    /// The lines, in the order they were first added.
    public var items: [PricedItem]
    /// Number of lines.
    public var itemsCount: Int
    /// Sum of the lines' quantities (all lines, available or not).
    public var totalItems: Int64
    /// Sum of the line totals of available lines.
    public var totalPrice: Money
    /// Whether at least one line is unavailable.
    public var hasUnavailableItems: Bool
    /// When the cart was created, Unix milliseconds.
    public var createdAtMs: Int64
    /// When the cart last changed, Unix milliseconds.
    public var updatedAtMs: Int64

    /// Creates a priced cart with every field given (used by the proto mapping when decoding).
    public init(
        id: String, userID: String, version: UInt64, currencyCode: String, items: [PricedItem], itemsCount: Int,
        totalItems: Int64, totalPrice: Money, hasUnavailableItems: Bool, createdAtMs: Int64, updatedAtMs: Int64
    ) {
        self.id = id
        self.userID = userID
        self.version = version
        self.currencyCode = currencyCode
        self.items = items
        self.itemsCount = itemsCount
        self.totalItems = totalItems
        self.totalPrice = totalPrice
        self.hasUnavailableItems = hasUnavailableItems
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs
    }
}

/// One priced line (`cart.v1.CartItem`).
///
/// Thread safety: a value type, `Sendable`.
public struct PricedItem: Hashable, Sendable, Codable {
    /// The line's id.
    public var id: String
    /// The product of the line.
    public var productID: String
    /// The variant of the line; `""` when it has none (as on the wire).
    public var variantID: String
    /// The product's current name; the product id when the product is gone.
    public var productName: String
    /// The variant's current name; the variant id when the variant is gone; `""` when the line has none.
    public var variantName: String
    /// Units in the line.
    public var quantity: Int64
    /// Product price plus variant additional price, live; zero in the cart currency when it cannot be computed
    /// (product or variant gone, or priced in another currency).
    public var unitPrice: Money
    /// `unitPrice × quantity`.
    public var totalPrice: Money
    /// `false` when the line has an OUT_OF_STOCK or PRODUCT_UNAVAILABLE problem.
    public var available: Bool
    /// Everything wrong with the line, availability first; empty when nothing is.
    public var problems: [ItemProblem]

    /// Creates a priced line with every field given.
    public init(
        id: String, productID: String, variantID: String, productName: String, variantName: String, quantity: Int64,
        unitPrice: Money, totalPrice: Money, available: Bool, problems: [ItemProblem]
    ) {
        self.id = id
        self.productID = productID
        self.variantID = variantID
        self.productName = productName
        self.variantName = variantName
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.totalPrice = totalPrice
        self.available = available
        self.problems = problems
    }
}

/// Why a cart line cannot be bought as it stands (`cart.v1.ItemProblemCode`).
///
/// Thread safety: a value type, `Sendable`.
public enum ItemProblemCode: String, Hashable, Sendable, Codable, CaseIterable {
    /// Nothing left in stock; the line is unavailable.
    case outOfStock
    /// Some stock left, less than the line's quantity; the line stays available.
    case insufficientStock
    /// The product or variant is inactive, gone, or now priced in another currency; the line is unavailable.
    case productUnavailable
    /// The unit price differs from the one the line was set at; the line stays available.
    case priceChanged

    /// Whether a line with this problem is unavailable (`available = false`).
    public var makesLineUnavailable: Bool {
        self == .outOfStock || self == .productUnavailable
    }
}

/// One problem of one cart line (`cart.v1.ItemProblem`).
///
/// Thread safety: a value type, `Sendable`.
public struct ItemProblem: Hashable, Sendable, Codable {
    /// What is wrong.
    public var code: ItemProblemCode
    /// The problem in words a shopper can read, e.g. "Only 2 left in stock".
    public var message: String
    /// For OUT_OF_STOCK (0) and INSUFFICIENT_STOCK: units that can be bought now; else 0.
    public var availableQuantity: Int64
    /// For PRICE_CHANGED: the unit price when the line was set; else `nil`.
    public var previousUnitPrice: Money?

    /// Creates a problem.
    public init(code: ItemProblemCode, message: String, availableQuantity: Int64 = 0, previousUnitPrice: Money? = nil) {
        self.code = code
        self.message = message
        self.availableQuantity = availableQuantity
        self.previousUnitPrice = previousUnitPrice
    }
}
