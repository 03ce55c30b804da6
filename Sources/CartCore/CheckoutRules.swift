// What a cart must satisfy to be paid for, and the payment state machine.

/// Checkout validation and payment settings.
///
/// Thread safety: a value type, `Sendable`.
public struct CheckoutRules: Sendable, Hashable {
    /// How long a payment holds its stock reservation (and can be paid): 15 minutes by default.
    public var reservationMs: Int64 = 15 * 60 * 1000
    /// The payment methods accepted.
    public var paymentMethods: Set<String> = ["razorpay"]

    /// The defaults.
    public init() {}

    /// Checks the request fields of CreatePaymentFromCart, before the cart is looked at.
    /// - Returns: The billing address to use (the shipping address when billing is empty).
    /// - Throws: `CheckoutError` INVALID_ARGUMENT.
    public func validateRequest(paymentMethod: String, shipping: Address, billing: Address,
                                currencyCode: String) throws(CheckoutError) -> Address {
        guard paymentMethods.contains(paymentMethod) else {
            throw CheckoutError.invalid("payment_method",
                                        "must be one of \(paymentMethods.sorted().joined(separator: ", "))")
        }
        if shipping.isEmpty { throw CheckoutError.invalid("shipping_address", "is required") }
        try shipping.validate(field: "shipping_address")
        if !billing.isEmpty { try billing.validate(field: "billing_address") }
        if !currencyCode.isEmpty, !Currency.isValid(currencyCode) {
            throw CheckoutError.invalid("currency_code", "\(currencyCode) is not an ISO-4217 code")
        }
        return billing.isEmpty ? shipping : billing
    }

    /// Checks that a priced cart can be paid for as it stands.
    /// - Throws: `CheckoutError` FAILED_PRECONDITION for an empty cart, lines that are unavailable or short
    ///   of stock (each named), or a currency other than the cart's.
    public func validateCart(_ cart: PricedCart, currencyCode: String) throws(CheckoutError) {
        guard !cart.items.isEmpty else { throw CheckoutError.emptyCart(cartID: cart.id) }
        if !currencyCode.isEmpty, currencyCode != cart.currencyCode {
            throw CheckoutError.currencyMismatch(requested: currencyCode, cart: cart.currencyCode)
        }
        var reasons: [String] = []
        for item in cart.items {
            let blocking = item.problems.filter { $0.code != .priceChanged }
            guard !item.available || !blocking.isEmpty else { continue }
            let name = item.variantName.isEmpty ? item.productName : "\(item.productName) (\(item.variantName))"
            let why = blocking.map(\.message).joined(separator: ", ")
            reasons.append("\(name) [item \(item.id)]: \(why.isEmpty ? "unavailable" : why)")
        }
        if !reasons.isEmpty { throw CheckoutError.linesNotBuyable(reasons) }
    }
}

extension PaymentStatus {
    /// Whether a payment in this status can move to `next`.
    public func canMove(to next: PaymentStatus) -> Bool {
        self == .created && next != .created
    }
}
