// Errors of checkout, payments and orders; each maps to the gRPC code in API.md's table.

/// A checkout, payment or order request that cannot be served, with a message the caller can act on.
///
/// Thread safety: a value type, `Sendable`.
public struct CheckoutError: DomainError, Equatable {
    /// The gRPC-style kind.
    public let kind: ErrorKind
    /// The caller-facing message.
    public let message: String

    /// Creates an error.
    public init(kind: ErrorKind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// FAILED_PRECONDITION: the cart has no lines.
    public static func emptyCart(cartID: String) -> CheckoutError {
        CheckoutError(kind: .failedPrecondition, message: "Cart is empty. Please add items first. Cart ID: \(cartID)")
    }

    /// FAILED_PRECONDITION: some lines cannot be bought; each is listed with why.
    public static func linesNotBuyable(_ reasons: [String]) -> CheckoutError {
        CheckoutError(kind: .failedPrecondition,
                      message: "Some items cannot be bought; update your cart: " + reasons.joined(separator: "; "))
    }

    /// FAILED_PRECONDITION: the currency asked for is not the cart's.
    public static func currencyMismatch(requested: String, cart: String) -> CheckoutError {
        CheckoutError(kind: .failedPrecondition,
                      message: "currency_code \(requested) does not match the cart's currency \(cart)")
    }

    /// NOT_FOUND: no payment of the caller with this id (someone else's looks the same).
    public static func paymentNotFound(_ id: String) -> CheckoutError {
        CheckoutError(kind: .notFound, message: "payment \(id) not found")
    }

    /// NOT_FOUND: no order of the caller with this id.
    public static func orderNotFound(_ id: String) -> CheckoutError {
        CheckoutError(kind: .notFound, message: "order \(id) not found")
    }

    /// FAILED_PRECONDITION: the payment is not in a state that allows this.
    public static func wrongState(_ payment: Payment, action: String) -> CheckoutError {
        var message = "payment \(payment.id) is \(payment.status.rawValue.uppercased()) and cannot be \(action)"
        if payment.status != .paid { message += "; start a new checkout" }
        return CheckoutError(kind: .failedPrecondition, message: message)
    }

    /// FAILED_PRECONDITION: the payment expired before it was paid.
    public static func expired(_ payment: Payment) -> CheckoutError {
        CheckoutError(kind: .failedPrecondition,
                      message: "payment \(payment.id) expired before it was paid; start a new checkout")
    }

    /// PERMISSION_DENIED: the gateway signature does not match.
    public static var badSignature: CheckoutError {
        CheckoutError(kind: .permissionDenied, message: "the payment signature does not match this payment")
    }

    /// ABORTED: the cart changed while the checkout was being prepared.
    public static func cartChanged(current: UInt64) -> CheckoutError {
        CheckoutError(kind: .aborted,
                      message: "the cart changed during checkout (now version \(current)); review it and check out again")
    }

    /// UNAVAILABLE: the payment gateway failed; nothing was reserved.
    public static func gatewayUnavailable(_ detail: String) -> CheckoutError {
        CheckoutError(kind: .unavailable,
                      message: "the payment gateway is unavailable (\(detail)); nothing was reserved, retry shortly")
    }

    /// INVALID_ARGUMENT naming a field.
    public static func invalid(_ field: String, _ problem: String) -> CheckoutError {
        CheckoutError(kind: .invalidArgument, message: "\(field): \(problem)")
    }
}
