// Storage operations for operators: legacy imports and online backups.

/// One line of a cart from a legacy system that allowed several carts per user.
public struct LegacyLine: Hashable, Sendable {
    /// The owner.
    public var userID: String
    /// The product.
    public var productID: String
    /// The variant, if any.
    public var variantID: String?
    /// Units.
    public var quantity: Int64

    /// Creates a line.
    public init(userID: String, productID: String, variantID: String?, quantity: Int64) {
        self.userID = userID
        self.productID = productID
        self.variantID = variantID
        self.quantity = quantity
    }
}

/// What a legacy import did.
public struct LegacyImportSummary: Hashable, Sendable {
    /// Users whose active cart received lines.
    public var users: Int
    /// Legacy carts read.
    public var cartsMerged: Int
    /// Distinct product+variant lines written (after merging duplicates).
    public var lines: Int
    /// Lines whose summed quantity was cut to the line maximum.
    public var linesCapped: Int
    /// Lines skipped, as "user/product/variant: why".
    public var skipped: [String]
    /// The carts that changed, priced (for watchers).
    public var changedCarts: [PricedCart]

    /// Creates a summary.
    public init(users: Int, cartsMerged: Int, lines: Int, linesCapped: Int, skipped: [String],
                changedCarts: [PricedCart]) {
        self.users = users
        self.cartsMerged = cartsMerged
        self.lines = lines
        self.linesCapped = linesCapped
        self.skipped = skipped
        self.changedCarts = changedCarts
    }
}

/// Operator-only storage operations.
public protocol AdminStore: Sendable {
    /// Merges legacy carts (several per user) into each user's one active cart, in one transaction:
    /// same product+variant quantities add up (capped at the line maximum); lines of unknown
    /// products or variants, or with a quantity below 1, are skipped and reported.
    /// - Parameters:
    ///   - carts: The legacy carts, each a list of lines of one user.
    ///   - rules: Line limits.
    ///   - defaultCurrency: The currency of carts created by the import.
    ///   - nowMs: The time of the change.
    func importLegacyCarts(_ carts: [[LegacyLine]], rules: CartRules, defaultCurrency: String, nowMs: Int64) throws
        -> LegacyImportSummary

    /// Writes a consistent copy of the database to `path` while the daemon keeps serving.
    /// - Returns: The size of the copy in bytes.
    func backup(to path: String) throws -> Int64
}
