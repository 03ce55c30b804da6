// The storage protocol of checkout: payments with stock reservations, orders, gateway events.
// Synchronous and `throws`, like the cart store; free of any SQL type.

/// Everything needed to insert a payment, decided before the store's transaction.
public struct PaymentDraft: Hashable, Sendable {
    /// The new payment's id (also the gateway order's receipt).
    public var id: String
    /// The payer (cart owner).
    public var userID: String
    /// The cart priced at `cart.version`: its items and total become the snapshot.
    public var cart: PricedCart
    /// The method asked for.
    public var paymentMethod: String
    /// The gateway's name.
    public var gateway: String
    /// The gateway's order id.
    public var gatewayOrderID: String
    /// The gateway's public key id.
    public var gatewayKeyID: String
    /// Where to ship.
    public var shippingAddress: Address
    /// Who pays.
    public var billingAddress: Address
    /// Creation time, Unix ms.
    public var nowMs: Int64
    /// End of the reservation, Unix ms.
    public var expiresAtMs: Int64

    /// Creates a draft.
    public init(id: String, userID: String, cart: PricedCart, paymentMethod: String, gateway: String,
                gatewayOrderID: String, gatewayKeyID: String, shippingAddress: Address, billingAddress: Address,
                nowMs: Int64, expiresAtMs: Int64) {
        self.id = id
        self.userID = userID
        self.cart = cart
        self.paymentMethod = paymentMethod
        self.gateway = gateway
        self.gatewayOrderID = gatewayOrderID
        self.gatewayKeyID = gatewayKeyID
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.nowMs = nowMs
        self.expiresAtMs = expiresAtMs
    }
}

/// What checkout sees before it talks to the gateway.
public struct CheckoutSnapshot: Hashable, Sendable {
    /// The user's active cart, priced (the user's own reservations do not count against it).
    public var cart: PricedCart
    /// A CREATED, unexpired payment for exactly this cart version, if one exists.
    public var pendingForVersion: Payment?

    /// Creates a snapshot.
    public init(cart: PricedCart, pendingForVersion: Payment?) {
        self.cart = cart
        self.pendingForVersion = pendingForVersion
    }
}

/// The result of inserting a payment.
public enum PaymentCreation: Hashable, Sendable {
    /// Inserted; `cancelled` are the cart's older pending payments it replaced.
    case created(Payment, cancelled: [Payment])
    /// A CREATED payment for the same cart version already existed (a retry): returned as is.
    case existing(Payment)
    /// The idempotency key was used before for the same request: its stored reply.
    case replayed([UInt8])
}

/// The result of completing (paying) a payment.
public struct PaymentCompletion: Hashable, Sendable {
    /// The payment, now PAID.
    public var payment: Payment
    /// Its order.
    public var order: Order
    /// The owner's cart after the purchased lines were removed, when this call changed it (for watchers).
    public var cart: PricedCart?
    /// False when the payment was already PAID (a repeat): nothing changed.
    public var newlyPaid: Bool

    /// Creates a completion.
    public init(payment: Payment, order: Order, cart: PricedCart?, newlyPaid: Bool) {
        self.payment = payment
        self.order = order
        self.cart = cart
        self.newlyPaid = newlyPaid
    }
}

/// What a gateway event asks for.
public enum GatewayEventAction: Hashable, Sendable {
    /// The payment was captured / the order paid: complete it like ConfirmPayment.
    case complete(gatewayPaymentID: String)
    /// The payment failed: fail it and release its reservation.
    case fail(reason: String)
    /// Nothing to do (an event cartd does not act on); it is still recorded for deduplication.
    case ignore
}

/// The result of a gateway event.
public struct GatewayEventOutcome: Hashable, Sendable {
    /// True when the event id was seen before: nothing was done.
    public var duplicate: Bool
    /// The payment concerned, after the event (nil when no payment matched).
    public var payment: Payment?
    /// The completion, when the event paid the payment now.
    public var completion: PaymentCompletion?

    /// Creates an outcome.
    public init(duplicate: Bool, payment: Payment?, completion: PaymentCompletion?) {
        self.duplicate = duplicate
        self.payment = payment
        self.completion = completion
    }
}

/// Payments, stock reservations, orders and gateway events.
///
/// Every method is one transaction. Completing a payment (ConfirmPayment or a webhook, whichever
/// comes first) marks it PAID, creates its one Order, decrements stock, drops the reservation and
/// removes the purchased lines from the cart, all or nothing; a second completion finds it PAID
/// and returns the same Order.
public protocol PaymentStore: Sendable {
    /// The user's cart (created if needed), priced without the user's own reservations, and a pending
    /// payment for exactly its version.
    func checkoutSnapshot(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> CheckoutSnapshot

    /// Inserts a CREATED payment and reserves its stock, if the cart is still at `draft.cart.version`
    /// (else ABORTED); cancels the cart's other pending payments first; checks every line against
    /// stock minus other payments' reservations (FAILED_PRECONDITION naming short lines). Stores the
    /// idempotency record in the same transaction.
    func createPayment(_ draft: PaymentDraft, idempotency: IdempotencyRequest?,
                       encodeResult: (Payment) throws -> [UInt8]) throws -> PaymentCreation

    /// The stored reply of an earlier request with this idempotency key, read before checkout does
    /// anything with side effects (such as creating a gateway order).
    /// - Returns: The reply bytes, or `nil` when the key has no live record.
    /// - Throws: `CartError` INVALID_ARGUMENT when the key was used for a different request.
    func idempotentReply(userID: String, request: IdempotencyRequest, nowMs: Int64) throws -> [UInt8]?

    /// A payment by id (any user's; callers check ownership).
    func payment(id: String) throws -> Payment?

    /// A payment by its gateway order id.
    func payment(gateway: String, gatewayOrderID: String) throws -> Payment?

    /// Completes a CREATED payment (see the protocol). A PAID one returns its order unchanged;
    /// FAILED/CANCELLED/EXPIRED, or CREATED past its expiry, throw FAILED_PRECONDITION.
    func completePayment(id: String, gatewayPaymentID: String, orderID: String, nowMs: Int64) throws
        -> PaymentCompletion

    /// Cancels a CREATED payment of `userID` and releases its reservation.
    func cancelPayment(id: String, userID: String, reason: String, nowMs: Int64) throws -> Payment

    /// Expires CREATED payments past their expiry and releases their reservations.
    /// - Returns: The payments expired.
    func expirePayments(nowMs: Int64) throws -> [Payment]

    /// Applies a gateway event once: deduplicated by (gateway, event id), recorded with its effect in
    /// one transaction. `gatewayOrderID` locates the payment.
    func handleGatewayEvent(gateway: String, eventID: String, gatewayOrderID: String?, action: GatewayEventAction,
                            orderID: String, nowMs: Int64) throws -> GatewayEventOutcome

    /// An order by id (callers check ownership).
    func order(id: String) throws -> Order?

    /// The user's orders, newest first, after the cursor (created time and id of the last order of the
    /// previous page).
    func orders(userID: String, after cursor: OrderCursor?, limit: Int) throws -> [Order]

    /// The user's most recent payments, newest first.
    func payments(userID: String, limit: Int) throws -> [Payment]

    /// The number of CREATED payments (reservations held), for monitoring.
    func pendingPaymentCount() throws -> Int
}

/// A position in a user's orders, newest first.
public struct OrderCursor: Hashable, Sendable, Codable {
    /// The created time of the last order seen.
    public var createdAtMs: Int64
    /// Its id (ties on time are broken by id).
    public var id: String

    /// Creates a cursor.
    public init(createdAtMs: Int64, id: String) {
        self.createdAtMs = createdAtMs
        self.id = id
    }
}
