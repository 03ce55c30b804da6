// The storage protocols a backend (SQLite now, PostgreSQL later) implements. Free of any SQL type.
//
// Methods are synchronous and `throws`: implementations may block briefly (one short transaction, ≈ 30 µs on
// SQLite); callers run them off latency-critical threads or accept the cost. Errors are `CartError` for domain
// outcomes (not found, version mismatch, …) and `StoreError` for storage failures.

/// Persistent products and stock.
///
/// Thread safety: implementations are `Sendable` and safe to call from any thread.
public protocol CatalogStore: Sendable {
    /// Creates or replaces products (variants included) in one transaction; input is already validated by
    /// `CatalogValidation.validate(_:field:)`. Rejects a variant id owned by another stored product (INVALID_ARGUMENT).
    /// - Returns: The number of products written.
    func upsertProducts(_ products: [Product]) throws -> Int
    /// The product with this id, or `nil`.
    func product(id: String) throws -> Product?
    /// Up to `limit` products in id order, starting after `afterID` (`nil` for the first page).
    func listProducts(afterID: String?, limit: Int) throws -> [Product]
    /// Sets the stock of a product (`variantID == nil`) or of one of its variants.
    /// - Returns: The product after the change.
    /// - Throws: `CartError` NOT_FOUND for an unknown product or variant.
    func setStock(productID: String, variantID: String?, stock: Int64) throws -> Product
    /// Deletes a product; carts holding it show PRODUCT_UNAVAILABLE lines.
    /// - Returns: Whether a product was deleted.
    func deleteProduct(id: String) throws -> Bool
}

/// The idempotency part of a mutation: the key from metadata and the request's fingerprint.
///
/// Thread safety: a value type, `Sendable`.
public struct IdempotencyRequest: Hashable, Sendable {
    /// The validated `idempotency-key` value.
    public var key: String
    /// The request's fingerprint.
    public var fingerprint: IdempotencyFingerprint

    /// Creates the idempotency part of a mutation.
    public init(key: String, fingerprint: IdempotencyFingerprint) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// One cart mutation for `CartStore.mutate`.
///
/// Thread safety: a value type, `Sendable`.
public struct CartMutation: Hashable, Sendable {
    /// The caller.
    public var userID: String
    /// The change.
    public var command: CartCommand
    /// 0 = unconditional; otherwise the cart's current version must equal it.
    public var expectedVersion: UInt64
    /// Set when the request carried an `idempotency-key`.
    public var idempotency: IdempotencyRequest?
    /// The time of the change, Unix milliseconds.
    public var nowMs: Int64
    /// The currency of a cart created by this mutation (configuration).
    public var defaultCurrency: String
    /// Whether the caller is a guest session (recorded on a cart created by this mutation).
    public var isGuest: Bool

    /// Creates a mutation.
    public init(
        userID: String, command: CartCommand, expectedVersion: UInt64, idempotency: IdempotencyRequest?,
        nowMs: Int64, defaultCurrency: String, isGuest: Bool
    ) {
        self.userID = userID
        self.command = command
        self.expectedVersion = expectedVersion
        self.idempotency = idempotency
        self.nowMs = nowMs
        self.defaultCurrency = defaultCurrency
        self.isGuest = isGuest
    }
}

/// The committed state after a mutation.
///
/// Thread safety: a value type, `Sendable`.
public struct CartMutationResult: Hashable, Sendable {
    /// The cart as stored now.
    public var cart: StoredCart
    /// The cart priced in the same transaction.
    public var priced: PricedCart
    /// Whether the user's active cart was created by this mutation.
    public var created: Bool
    /// Whether the command changed the cart (false only for a merge that moved nothing); watchers are notified
    /// only of changes.
    public var changed: Bool
    /// The encoded reply stored with the idempotency record, when there was a key (reused as the reply).
    public var encoded: [UInt8]?

    /// Creates a result.
    public init(cart: StoredCart, priced: PricedCart, created: Bool, changed: Bool, encoded: [UInt8]? = nil) {
        self.cart = cart
        self.priced = priced
        self.created = created
        self.changed = changed
        self.encoded = encoded
    }
}

/// What `CartStore.mutate` did.
///
/// Thread safety: a value type, `Sendable`.
public enum CartMutationOutcome: Hashable, Sendable {
    /// The command ran and committed.
    case applied(CartMutationResult)
    /// The same request ran before under this idempotency key: the stored, encoded response.
    case replayed([UInt8])
}

/// Persistent carts and idempotency records.
///
/// Thread safety: implementations are `Sendable` and safe to call from any thread; every method is one
/// transaction.
public protocol CartStore: Sendable {
    /// The user's active cart, or `nil` when none exists yet.
    func activeCart(userID: String) throws -> StoredCart?

    /// The user's active cart, created (version 1) when missing. Exactly one active cart per user, also when
    /// first calls race.
    /// - Returns: The cart and whether this call created it.
    func getOrCreateActiveCart(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> (cart: StoredCart, created: Bool)

    /// The user's active cart, created if there is none, priced against the live catalog (GetCart).
    /// - Returns: The priced cart, and whether it was created by this call.
    func pricedCart(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> (cart: PricedCart, created: Bool)

    /// Prices a stored cart against the live catalog and current reservations.
    func price(_ cart: StoredCart) throws -> PricedCart

    /// One transaction: decide idempotency first (`IdempotencyRecord.decide`: replay or conflict), load (or
    /// create) the user's active cart, apply the command with `rules` against the catalog and pending
    /// reservations, write the cart if it changed (version + 1), price it, and store `encodeResult(priced)` as
    /// the idempotency record when a key was given.
    /// - Throws: `CartError` from the rules (nothing written), `StoreError` on storage failure.
    func mutate(_ mutation: CartMutation, rules: CartRules, encodeResult: (PricedCart) throws -> [UInt8]) throws
        -> CartMutationOutcome

    /// Applies a mutation and reports its outcome to `completion`, possibly later and on another thread
    /// (a store may commit it together with other mutations). Has a default implementation.
    func mutate(_ mutation: CartMutation, rules: CartRules,
                encodeResult: @escaping @Sendable (PricedCart) throws -> [UInt8],
                completion: @escaping @Sendable (Result<CartMutationOutcome, any Error>) -> Void)

    /// MergeGuestCart in one transaction: read the guest user's active cart, apply `.mergeGuest(lines:)` to the
    /// caller's cart (`mutation.command` is ignored), close the guest cart (`.merged`), and record idempotency.
    /// With no active guest cart (merged before, or never created) nothing changes: merging twice is a no-op.
    func mergeGuestCart(
        guestUserID: String, into mutation: CartMutation, rules: CartRules,
        encodeResult: (PricedCart) throws -> [UInt8]
    ) throws -> CartMutationOutcome

    /// Deletes idempotency records created before `olderThanMs`.
    /// - Returns: How many were deleted.
    func purgeIdempotencyRecords(olderThanMs: Int64) throws -> Int
}

extension CartStore {
    /// Applies a mutation and reports the outcome to `completion` — on whatever thread the store
    /// chooses; a store may queue the mutation and commit it together with others (group commit).
    /// The default implementation runs ``mutate(_:rules:encodeResult:)`` on the calling thread.
    public func mutate(_ mutation: CartMutation, rules: CartRules,
                       encodeResult: @escaping @Sendable (PricedCart) throws -> [UInt8],
                       completion: @escaping @Sendable (Result<CartMutationOutcome, any Error>) -> Void) {
        completion(Result { try mutate(mutation, rules: rules, encodeResult: encodeResult) })
    }
}
