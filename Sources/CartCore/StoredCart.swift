// What a store persists for a cart: its identity, version, currency and lines. Prices are derived, not stored.

/// Whether a cart can still change.
///
/// Thread safety: a value type, `Sendable`.
public enum CartStatus: String, Hashable, Sendable, Codable {
    /// The user's current cart (exactly one per user).
    case active
    /// A guest cart closed by MergeGuestCart: its lines moved into another cart; it never changes again.
    case merged
}

/// One persisted line of a cart: a product, an optional variant and a quantity.
///
/// Thread safety: a value type, `Sendable`.
public struct CartLine: Hashable, Sendable, Codable {
    /// The line's id, unique across all carts (`item_…`).
    public var id: String
    /// The product of the line.
    public var productID: String
    /// The variant of the line, or `nil` for none (never `""`).
    public var variantID: String?
    /// Units in the line, 1 … `CartRules.maxLineQuantity`.
    public var quantity: Int64
    /// The unit price when the user last set this line (add or update): the basis of PRICE_CHANGED.
    public var addedUnitPrice: Money
    /// When the line was first added, Unix milliseconds.
    public var createdAtMs: Int64

    /// Creates a line.
    /// - Parameters:
    ///   - id: The line's id.
    ///   - productID: The product.
    ///   - variantID: The variant, or `nil`.
    ///   - quantity: Units in the line.
    ///   - addedUnitPrice: The unit price the user saw when setting the line.
    ///   - createdAtMs: When the line was first added.
    public init(
        id: String, productID: String, variantID: String?, quantity: Int64, addedUnitPrice: Money, createdAtMs: Int64
    ) {
        self.id = id
        self.productID = productID
        self.variantID = variantID
        self.quantity = quantity
        self.addedUnitPrice = addedUnitPrice
        self.createdAtMs = createdAtMs
    }

    /// Whether this line holds `productID` with `variantID` (the key under which AddItem merges lines).
    public func holds(productID: String, variantID: String?) -> Bool {
        self.productID == productID && self.variantID == variantID
    }
}

/// A cart as persisted by a `CartStore`.
///
/// `version` counts committed changes: a freshly created cart has version 1 (its creation is the first committed
/// change), and every successful `CartRules.apply` that changes the cart adds exactly one.
/// Thread safety: a value type, `Sendable`.
public struct StoredCart: Hashable, Sendable, Codable {
    /// The cart's id (`cart_…`).
    public var id: String
    /// The owner (the token's `sub`).
    public var userID: String
    /// Number of committed changes, starting at 1 on creation.
    public var version: UInt64
    /// The currency of every price in the cart; an empty cart adopts the currency of the first product added.
    public var currencyCode: String
    /// The lines, in the order they were first added.
    public var lines: [CartLine]
    /// When the cart was created, Unix milliseconds.
    public var createdAtMs: Int64
    /// When the cart last changed, Unix milliseconds.
    public var updatedAtMs: Int64
    /// Whether the cart can still change.
    public var status: CartStatus
    /// Whether the cart belongs to a guest session (JWT claim `guest: true`).
    public var isGuest: Bool

    /// Creates a cart with every field given (used by stores when loading).
    public init(
        id: String, userID: String, version: UInt64, currencyCode: String, lines: [CartLine],
        createdAtMs: Int64, updatedAtMs: Int64, status: CartStatus, isGuest: Bool
    ) {
        self.id = id
        self.userID = userID
        self.version = version
        self.currencyCode = currencyCode
        self.lines = lines
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs
        self.status = status
        self.isGuest = isGuest
    }

    /// A new, empty, active cart at version 1.
    /// - Parameters:
    ///   - id: The cart's id (from `IDSource.next(prefix: IDPrefix.cart)`).
    ///   - userID: The owner.
    ///   - currency: The default currency (configuration), replaced by the first product's currency.
    ///   - nowMs: The creation time, Unix milliseconds.
    ///   - isGuest: Whether the owner is a guest session.
    /// - Returns: The cart.
    public static func new(id: String, userID: String, currency: String, nowMs: Int64, isGuest: Bool) -> StoredCart {
        StoredCart(
            id: id, userID: userID, version: 1, currencyCode: currency, lines: [],
            createdAtMs: nowMs, updatedAtMs: nowMs, status: .active, isGuest: isGuest)
    }

    /// The line with this id.
    /// - Parameter id: A line id.
    /// - Returns: The line, or `nil`.
    public func line(id: String) -> CartLine? {
        lines.first { $0.id == id }
    }

    /// The ids of every product the lines refer to (what a store must load to price the cart).
    public var productIDs: Set<String> {
        Set(lines.map(\.productID))
    }
}
