// The error every CartCore rule throws: a kind for the wire, a message for people, a reason for programs.

/// An error raised by a cart, catalog, money or idempotency rule.
///
/// `kind` maps to the wire status, `message` is English the caller can act on, and `reason` is machine-readable
/// for clients and tests. Build values with the static factories so kind and message always agree with API.md.
/// Thread safety: a value type, `Sendable`.
public struct CartError: DomainError, Equatable {
    /// The machine-readable cause of a `CartError`.
    public enum Reason: Hashable, Sendable {
        /// No product has this id.
        case productNotFound(String)
        /// No variant has this id.
        case variantNotFound(String)
        /// The variant exists but belongs to another product.
        case variantNotOfProduct(variantID: String, productID: String)
        /// The caller's cart has no line with this id.
        case itemNotFound(String)
        /// The quantity is below the allowed minimum.
        case invalidQuantity
        /// The quantity (or the line's resulting quantity) exceeds the per-line maximum.
        case quantityAboveMax(max: Int64)
        /// The product (or its variant) is inactive or gone; the payload is the product id.
        case productUnavailable(String)
        /// Stock does not cover the requested quantity.
        case insufficientStock(available: Int64)
        /// `expected_version` differs from the cart's current version.
        case versionMismatch(current: UInt64)
        /// Amounts or products in different currencies were combined.
        case currencyMismatch
        /// A request or catalog field is malformed; the payload is the field's path, e.g. `products[0].name`.
        case invalidField(String)
        /// The cart already holds the maximum number of lines.
        case tooManyLines(max: Int)
        /// An amount does not fit in 64 bits of minor units.
        case amountOverflow
        /// The idempotency key was already used for a different request.
        case idempotencyKeyConflict
        /// The cart was closed (merged into another cart) and can no longer change.
        case cartClosed
    }

    /// The kind of failure, mapped to a wire status code by the server.
    public let kind: ErrorKind
    /// What went wrong, in words the caller can act on.
    public let message: String
    /// The machine-readable cause.
    public let reason: Reason

    /// Creates an error; prefer the static factories, which keep kind, reason and message consistent.
    /// - Parameters:
    ///   - kind: The kind of failure.
    ///   - reason: The machine-readable cause.
    ///   - message: Caller-actionable English.
    public init(kind: ErrorKind, reason: Reason, message: String) {
        self.kind = kind
        self.reason = reason
        self.message = message
    }
}

extension CartError {
    /// NOT_FOUND: no product has `id`.
    public static func productNotFound(_ id: String) -> CartError {
        CartError(kind: .notFound, reason: .productNotFound(id), message: "product \(id) not found")
    }

    /// NOT_FOUND: no variant has `id`.
    public static func variantNotFound(_ id: String) -> CartError {
        CartError(kind: .notFound, reason: .variantNotFound(id), message: "variant \(id) not found")
    }

    /// INVALID_ARGUMENT: the variant exists but belongs to another product.
    public static func variantNotOfProduct(variantID: String, productID: String) -> CartError {
        CartError(
            kind: .invalidArgument,
            reason: .variantNotOfProduct(variantID: variantID, productID: productID),
            message: "variant \(variantID) does not belong to product \(productID)"
        )
    }

    /// NOT_FOUND: the caller's cart has no such line. Also used for lines of other users' carts (no hint which).
    public static func itemNotFound(_ id: String) -> CartError {
        CartError(kind: .notFound, reason: .itemNotFound(id), message: "item \(id) not found in your cart")
    }

    /// INVALID_ARGUMENT: the quantity is below the minimum; `message` says the accepted range.
    public static func invalidQuantity(_ message: String) -> CartError {
        CartError(kind: .invalidArgument, reason: .invalidQuantity, message: message)
    }

    /// INVALID_ARGUMENT: the requested quantity exceeds the per-line maximum.
    public static func quantityAboveMax(_ quantity: Int64, max: Int64) -> CartError {
        CartError(
            kind: .invalidArgument,
            reason: .quantityAboveMax(max: max),
            message: "quantity \(quantity) is more than the maximum of \(max) per line"
        )
    }

    /// INVALID_ARGUMENT: adding to an existing line would take it past the per-line maximum.
    public static func lineQuantityAboveMax(_ quantity: Int64, max: Int64) -> CartError {
        CartError(
            kind: .invalidArgument,
            reason: .quantityAboveMax(max: max),
            message: "line quantity would be \(quantity), the maximum is \(max)"
        )
    }

    /// FAILED_PRECONDITION: the product, or the given variant of it, is inactive or gone.
    public static func productUnavailable(productID: String, variantID: String? = nil) -> CartError {
        let what = variantID.map { "variant \($0) of product \(productID)" } ?? "product \(productID)"
        return CartError(
            kind: .failedPrecondition,
            reason: .productUnavailable(productID),
            message: "\(what) is not available for sale"
        )
    }

    /// FAILED_PRECONDITION: stock does not cover the quantity asked for.
    /// - Parameters:
    ///   - available: Units that can be bought now (clamped at 0).
    ///   - productID: The product, named in the message.
    ///   - variantID: The variant, if any, named in the message.
    public static func insufficientStock(available: Int64, productID: String, variantID: String?) -> CartError {
        let units = max(0, available)
        let what = variantID.map { "\(productID) (variant \($0))" } ?? productID
        let message = units == 0 ? "\(what) is out of stock" : "only \(units) of \(what) in stock"
        return CartError(kind: .failedPrecondition, reason: .insufficientStock(available: units), message: message)
    }

    /// ABORTED: `expected_version` differs from the cart's current version.
    public static func versionMismatch(current: UInt64, expected: UInt64) -> CartError {
        CartError(
            kind: .aborted,
            reason: .versionMismatch(current: current),
            message: "cart version is \(current), expected \(expected); fetch the cart with GetCart and retry"
        )
    }

    /// FAILED_PRECONDITION: a product priced in another currency than the cart's.
    public static func productCurrencyMismatch(productID: String, productCurrency: String, cartCurrency: String)
        -> CartError
    {
        CartError(
            kind: .failedPrecondition,
            reason: .currencyMismatch,
            message: "product \(productID) is priced in \(productCurrency) but your cart is in \(cartCurrency); "
                + "clear the cart to shop in \(productCurrency)"
        )
    }

    /// FAILED_PRECONDITION: two amounts in different currencies were combined.
    public static func currencyMismatch(_ lhs: String, _ rhs: String) -> CartError {
        CartError(
            kind: .failedPrecondition,
            reason: .currencyMismatch,
            message: "cannot combine amounts in \(lhs) and \(rhs)"
        )
    }

    /// INVALID_ARGUMENT: a malformed field.
    /// - Parameters:
    ///   - field: The field's path as on the wire, e.g. `products[3].variants[1].additional_price`.
    ///   - problem: What is wrong, e.g. `must not be empty`.
    public static func invalidField(_ field: String, _ problem: String) -> CartError {
        CartError(kind: .invalidArgument, reason: .invalidField(field), message: "\(field): \(problem)")
    }

    /// INVALID_ARGUMENT with a message that already names the field (e.g. "product_id is required").
    public static func invalidField(_ field: String, message: String) -> CartError {
        CartError(kind: .invalidArgument, reason: .invalidField(field), message: message)
    }

    /// RESOURCE_EXHAUSTED: the cart already holds `max` lines.
    public static func tooManyLines(max: Int) -> CartError {
        CartError(
            kind: .resourceExhausted,
            reason: .tooManyLines(max: max),
            message: "your cart already has \(max) lines, the maximum; remove a line before adding another product"
        )
    }

    /// INVALID_ARGUMENT: an amount does not fit in 64 bits of minor units.
    public static var amountOverflow: CartError {
        CartError(kind: .invalidArgument, reason: .amountOverflow, message: "the amount is too large to represent")
    }

    /// INVALID_ARGUMENT: the idempotency key was already used for a different request.
    public static func idempotencyKeyConflict(key: String) -> CartError {
        CartError(
            kind: .invalidArgument,
            reason: .idempotencyKeyConflict,
            message: "idempotency-key \(key) was already used for a different request"
        )
    }

    /// FAILED_PRECONDITION: the cart was merged into another cart and can no longer change.
    public static var cartClosed: CartError {
        CartError(
            kind: .failedPrecondition,
            reason: .cartClosed,
            message: "this cart was merged into another cart and can no longer change; fetch your cart with GetCart"
        )
    }
}
