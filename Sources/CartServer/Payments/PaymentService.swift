import CartCore
import CartProto
import Foundation
import Logging
import NIOCore
import ProtobufCSupport
import TTRPC

/// Counters the payment service reports to (metrics); each closure must be cheap and thread-safe.
public struct PaymentEvents: Sendable {
    /// A checkout attempt ended: "created", "existing", "empty_cart", "unavailable_items", "gateway_error", …
    public var checkout: @Sendable (_ result: String) -> Void = { _ in }
    /// A payment reached a status.
    public var payment: @Sendable (_ status: PaymentStatus) -> Void = { _ in }
    /// An order was created.
    public var orderCreated: @Sendable () -> Void = {}

    /// No-op events.
    public init() {}
}

/// `cart.v1.PaymentService`: checkout of the caller's cart through the gateway, exactly-once
/// completion into an order, and the caller's payments and orders.
public struct PaymentService: Sendable {
    /// The service's proto name.
    public static let name = "cart.v1.PaymentService"

    let store: any PaymentStore
    let auth: Authenticator
    let hub: WatchHub
    let gateway: any PaymentGateway
    let rules: CheckoutRules
    let defaultCurrency: String
    let events: PaymentEvents
    let logger: Logger
    private let checkoutLocks = KeyedAsyncLock()

    /// Creates the service.
    public init(store: any PaymentStore, auth: Authenticator, hub: WatchHub, gateway: any PaymentGateway,
                rules: CheckoutRules, defaultCurrency: String, events: PaymentEvents = PaymentEvents(), logger: Logger) {
        self.store = store
        self.auth = auth
        self.hub = hub
        self.gateway = gateway
        self.rules = rules
        self.defaultCurrency = defaultCurrency
        self.events = events
        self.logger = logger
    }

    /// Registers every RPC.
    public func register(in router: inout Router) {
        router.registerUnaryAsync(service: Self.name, method: "CreatePaymentFromCart",
                                  request: CreatePaymentFromCartRequest.self,
                                  response: StoredOr<Payment>.self) { request, context in
            let caller = try await auth.authenticate(context).get()
            return try await createPayment(request, caller: caller, metadata: context.metadata)
        }
        router.registerUnary(service: Self.name, method: "ConfirmPayment", request: ConfirmPaymentRequest.self,
                             response: Order.self) { request, context in
            auth.authenticated(context) { caller in try confirm(request, caller: caller) }
        }
        router.registerUnary(service: Self.name, method: "HandleGatewayWebhook",
                             request: HandleGatewayWebhookRequest.self,
                             response: GatewayWebhookResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in try handleWebhook(request) }
        }
        router.registerUnary(service: Self.name, method: "CancelPayment", request: CancelPaymentRequest.self,
                             response: Payment.self) { request, context in
            auth.authenticated(context) { caller in
                try IDValidation.required(request.paymentID, field: "payment_id")
                let payment = try store.cancelPayment(id: request.paymentID, userID: caller.userID,
                                                      reason: "cancelled by the shopper", nowMs: Self.nowMs())
                events.payment(.cancelled)
                return payment
            }
        }
        router.registerUnary(service: Self.name, method: "GetPayment", request: GetPaymentRequest.self,
                             response: Payment.self) { request, context in
            auth.authenticated(context) { caller in
                try ownPayment(request.paymentID, caller: caller)
            }
        }
        router.registerUnary(service: Self.name, method: "GetOrder", request: GetOrderRequest.self,
                             response: Order.self) { request, context in
            auth.authenticated(context) { caller in
                try IDValidation.required(request.orderID, field: "order_id")
                guard let order = try store.order(id: request.orderID), order.userID == caller.userID else {
                    throw CheckoutError.orderNotFound(request.orderID)
                }
                return order
            }
        }
        router.registerUnary(service: Self.name, method: "ListOrders", request: ListOrdersRequest.self,
                             response: ListOrdersResponse.self) { request, context in
            auth.authenticated(context) { caller in try listOrders(request, caller: caller) }
        }
    }

    // MARK: CreatePaymentFromCart

    private func createPayment(_ request: CreatePaymentFromCartRequest, caller: CallerIdentity,
                               metadata: Metadata) async throws -> StoredOr<Payment> {
        let billing = try rules.validateRequest(paymentMethod: request.paymentMethod, shipping: request.shippingAddress,
                                                billing: request.billingAddress, currencyCode: request.currencyCode)
        let key = try CartService.idempotencyKey(metadata)
        // One checkout per user at a time: a retry waits for the first attempt and finds its payment.
        let fingerprint = IdempotencyFingerprint(
            method: "CreatePaymentFromCart",
            fields: [request.paymentMethod, "\(request.expectedVersion)", request.currencyCode]
                + Self.fields(request.shippingAddress) + Self.fields(request.billingAddress))
        let idempotency = key.map { IdempotencyRequest(key: $0, fingerprint: fingerprint) }
        return try await checkoutLocks.withLock(caller.userID) {
            let now = Self.nowMs()
            // A retry with the same key replays before anything with side effects (a gateway order) happens.
            if let idempotency, let stored = try store.idempotentReply(userID: caller.userID, request: idempotency,
                                                                        nowMs: now) {
                events.checkout("replayed")
                return .stored(stored)
            }
            let snapshot = try store.checkoutSnapshot(userID: caller.userID, defaultCurrency: defaultCurrency,
                                                      nowMs: now, isGuest: caller.isGuest)
            let cart = snapshot.cart
            if request.expectedVersion != 0, request.expectedVersion != cart.version {
                throw CartError.versionMismatch(current: cart.version, expected: request.expectedVersion)
            }
            do throws(CheckoutError) {
                try rules.validateCart(cart, currencyCode: request.currencyCode)
            } catch {
                events.checkout(cart.items.isEmpty ? "empty_cart" : "unavailable_items")
                throw error
            }
            if let pending = snapshot.pendingForVersion {
                if pending.shippingAddress == request.shippingAddress, pending.billingAddress == billing,
                   pending.paymentMethod == request.paymentMethod {
                    events.checkout("existing")
                    return .message(pending)
                }
                _ = try store.cancelPayment(id: pending.id, userID: caller.userID,
                                            reason: "replaced by a checkout with other details", nowMs: now)
                events.payment(.cancelled)
            }
            var ids = IDGenerator()
            let paymentID = ids.next(prefix: IDPrefix.payment)
            let gatewayOrderID: String
            do throws(GatewayError) {
                gatewayOrderID = try await gateway.createOrder(
                    amount: cart.totalPrice, receipt: paymentID, notes: ["cart_id": cart.id, "user_id": caller.userID])
            } catch {
                events.checkout("gateway_error")
                logger.warning("gateway order failed", metadata: ["payment.id": "\(paymentID)", "error": "\(error.message)"])
                throw CheckoutError.gatewayUnavailable(error.message)
            }
            let draft = PaymentDraft(
                id: paymentID, userID: caller.userID, cart: cart, paymentMethod: request.paymentMethod,
                gateway: gateway.name, gatewayOrderID: gatewayOrderID, gatewayKeyID: gateway.keyID,
                shippingAddress: request.shippingAddress, billingAddress: billing, nowMs: now,
                expiresAtMs: now + rules.reservationMs)
            let creation = try store.createPayment(
                draft, idempotency: idempotency,
                encodeResult: { $0.protobufBytes() })
            switch creation {
            case .created(let payment, let cancelled):
                for _ in cancelled { events.payment(.cancelled) }
                events.checkout("created")
                events.payment(.created)
                logger.info("payment created", metadata: ["payment.id": "\(payment.id)", "cart.id": "\(cart.id)",
                                                          "user.id": "\(caller.userID)",
                                                          "amount": "\(payment.amount.formatted)"])
                return .message(payment)
            case .existing(let payment):
                events.checkout("existing")
                return .message(payment)
            case .replayed(let bytes):
                events.checkout("replayed")
                return .stored(bytes)
            }
        }
    }

    // MARK: ConfirmPayment

    private func confirm(_ request: ConfirmPaymentRequest, caller: CallerIdentity) throws -> Order {
        try IDValidation.required(request.paymentID, field: "payment_id")
        try IDValidation.required(request.gatewayPaymentID, field: "gateway_payment_id")
        guard RazorpaySignature.isWellFormed(request.gatewaySignature) else {
            throw CheckoutError.invalid("gateway_signature", "must be 64 hexadecimal digits")
        }
        let payment = try ownPayment(request.paymentID, caller: caller)
        guard payment.gateway == gateway.name else {
            throw CheckoutError(kind: .failedPrecondition,
                                message: "payment \(payment.id) belongs to gateway \(payment.gateway), which cartd no longer uses")
        }
        // The order id we stored, never one from the client.
        guard gateway.paymentSignatureIsValid(orderID: payment.gatewayOrderID, paymentID: request.gatewayPaymentID,
                                              signature: request.gatewaySignature) else {
            logger.notice("payment signature rejected", metadata: ["payment.id": "\(payment.id)", "user.id": "\(caller.userID)"])
            throw CheckoutError.badSignature
        }
        let completion = try complete(payment, gatewayPaymentID: request.gatewayPaymentID)
        return completion.order
    }

    private func complete(_ payment: Payment, gatewayPaymentID: String) throws -> PaymentCompletion {
        var ids = IDGenerator()
        let completion = try store.completePayment(id: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                   orderID: payment.orderID ?? ids.next(prefix: IDPrefix.order),
                                                   nowMs: Self.nowMs())
        published(completion)
        return completion
    }

    private func published(_ completion: PaymentCompletion) {
        guard completion.newlyPaid else { return }
        events.payment(.paid)
        events.orderCreated()
        logger.info("payment paid; order created", metadata: [
            "payment.id": "\(completion.payment.id)", "order.id": "\(completion.order.id)",
            "user.id": "\(completion.payment.userID)"])
        if let cart = completion.cart { hub.publish(userID: completion.payment.userID, cart: cart) }
    }

    // MARK: Webhooks

    private func handleWebhook(_ request: HandleGatewayWebhookRequest) throws -> GatewayWebhookResponse {
        guard request.gateway == gateway.name || request.gateway == "razorpay" else {
            throw CheckoutError.invalid("gateway", "\(request.gateway) is not the configured gateway (\(gateway.name))")
        }
        guard (1...128).contains(request.eventID.utf8.count),
              request.eventID.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw CheckoutError.invalid("event_id", "must be 1–128 printable ASCII characters")
        }
        guard gateway.webhookSignatureIsValid(body: request.body, signature: request.signature) else {
            logger.notice("webhook signature rejected", metadata: ["event.id": "\(request.eventID)"])
            throw CheckoutError(kind: .permissionDenied, message: "the webhook signature does not match the body")
        }
        let event = try GatewayWebhookEvent(body: request.body)
        let action: GatewayEventAction
        switch event.name {
        case "payment.captured", "order.paid":
            action = .complete(gatewayPaymentID: event.paymentID ?? "")
        case "payment.failed":
            action = .fail(reason: event.errorDescription ?? "the payment failed at the gateway")
        default:
            logger.info("webhook event ignored", metadata: ["event": "\(event.name)", "event.id": "\(request.eventID)"])
            action = .ignore
        }
        var ids = IDGenerator()
        let outcome = try store.handleGatewayEvent(gateway: gateway.name, eventID: request.eventID,
                                                   gatewayOrderID: event.orderID, action: action,
                                                   orderID: ids.next(prefix: IDPrefix.order), nowMs: Self.nowMs())
        if let completion = outcome.completion { published(completion) }
        if case .fail = action, outcome.payment?.status == .failed, !outcome.duplicate { events.payment(.failed) }
        if case .complete = action, let payment = outcome.payment, payment.status != .paid {
            logger.error("gateway captured a payment cartd cannot fulfil; refund it", metadata: [
                "payment.id": "\(payment.id)", "status": "\(payment.status.rawValue)",
                "gateway.order_id": "\(payment.gatewayOrderID)"])
        }
        return GatewayWebhookResponse(duplicate: outcome.duplicate, paymentID: outcome.payment?.id ?? "",
                                      status: outcome.payment?.status)
    }

    // MARK: Reads

    private func ownPayment(_ id: String, caller: CallerIdentity) throws -> Payment {
        try IDValidation.required(id, field: "payment_id")
        guard let payment = try store.payment(id: id), payment.userID == caller.userID else {
            throw CheckoutError.paymentNotFound(id)
        }
        return payment
    }

    private func listOrders(_ request: ListOrdersRequest, caller: CallerIdentity) throws -> ListOrdersResponse {
        guard (0...100).contains(request.pageSize) else {
            throw CheckoutError.invalid("page_size", "must be between 0 and 100 (0 means 20)")
        }
        let size = request.pageSize == 0 ? 20 : Int(request.pageSize)
        let cursor = try OrderPageToken.decode(request.pageToken)
        let page = try store.orders(userID: caller.userID, after: cursor, limit: size + 1)
        let orders = Array(page.prefix(size))
        let next = page.count > size ? OrderPageToken.encode(OrderCursor(createdAtMs: orders.last!.createdAtMs,
                                                                          id: orders.last!.id)) : ""
        return ListOrdersResponse(orders: orders, nextPageToken: next)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func fields(_ address: Address) -> [String] {
        [address.name, address.line1, address.line2, address.city, address.state, address.postalCode, address.country,
         address.phone]
    }
}

/// Page tokens of ListOrders: the last order's time and id, opaque to clients.
enum OrderPageToken {
    static func encode(_ cursor: OrderCursor) -> String { PageToken.encode("\(cursor.createdAtMs):\(cursor.id)") }

    static func decode(_ token: String) throws -> OrderCursor? {
        guard let text = try PageToken.decode(token) else { return nil }
        guard let colon = text.firstIndex(of: ":"), let time = Int64(text[..<colon]) else {
            throw CheckoutError.invalid("page_token", "is not one this service returned")
        }
        return OrderCursor(createdAtMs: time, id: String(text[text.index(after: colon)...]))
    }
}
