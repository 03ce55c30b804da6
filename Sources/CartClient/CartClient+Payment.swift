// cart.v1.PaymentService: checkout, payments and orders of the caller.

import CartCore
import CartProto
import NIOCore

extension CartClient {
    /// The service name of the payment RPCs.
    static let paymentService = "cart.v1.PaymentService"

    /// `CreatePaymentFromCart`: snapshots the caller's active cart, reserves its stock and creates the gateway
    /// order. Calling it again for the same unchanged cart version returns the same pending payment.
    /// - Parameters:
    ///   - paymentMethod: The method; `"razorpay"`.
    ///   - shipping: Where to ship.
    ///   - billing: Who pays; an empty address sends the field absent.
    ///   - currencyCode: The currency expected; `""` for the cart's.
    ///   - expectedVersion: 0 = unconditional; otherwise the cart version that must be current (else ABORTED).
    ///   - idempotencyKey: The operation's key; `nil` generates one (reused across retries).
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The payment, status CREATED.
    /// - Throws: ``RPCError``; FAILED_PRECONDITION for an empty cart or unavailable lines.
    public func createPaymentFromCart(paymentMethod: String = "razorpay", shipping: Address, billing: Address = Address(),
                                      currencyCode: String = "", expectedVersion: UInt64 = 0,
                                      idempotencyKey: String? = nil,
                                      timeout: TimeAmount? = nil) async throws(RPCError) -> Payment {
        let request = CreatePaymentFromCartRequest(paymentMethod: paymentMethod, shippingAddress: shipping,
                                                   billingAddress: billing, currencyCode: currencyCode,
                                                   expectedVersion: expectedVersion)
        return try await mutate(Self.paymentService, "CreatePaymentFromCart", request, Payment.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `ConfirmPayment`: verifies the gateway's signature, marks the payment PAID, creates the order and clears
    /// the cart. Repeating it returns the same order.
    /// - Parameters:
    ///   - paymentID: The payment.
    ///   - gatewayPaymentID: The gateway's payment id.
    ///   - signature: The gateway's signature (Razorpay: hex HMAC-SHA256).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The order.
    /// - Throws: ``RPCError``; PERMISSION_DENIED for a bad signature.
    public func confirmPayment(paymentID: String, gatewayPaymentID: String, signature: String,
                               idempotencyKey: String? = nil, timeout: TimeAmount? = nil) async throws(RPCError) -> Order {
        let request = ConfirmPaymentRequest(paymentID: paymentID, gatewayPaymentID: gatewayPaymentID,
                                            gatewaySignature: signature)
        return try await mutate(Self.paymentService, "ConfirmPayment", request, Order.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `HandleGatewayWebhook`: hands a gateway webhook, as received, to cartd (role admin).
    /// - Parameters:
    ///   - gateway: The gateway, e.g. `"razorpay"`.
    ///   - body: The raw HTTP body, byte for byte.
    ///   - signature: The webhook signature header.
    ///   - eventID: The gateway's event id (duplicates are recognised by it).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: Whether it was a duplicate, and the payment it concerned with its status.
    /// - Throws: ``RPCError``.
    public func handleGatewayWebhook(gateway: String, body: [UInt8], signature: String, eventID: String,
                                     idempotencyKey: String? = nil,
                                     timeout: TimeAmount? = nil) async throws(RPCError) -> GatewayWebhookResponse {
        let request = HandleGatewayWebhookRequest(gateway: gateway, body: body, signature: signature, eventID: eventID)
        return try await mutate(Self.paymentService, "HandleGatewayWebhook", request, GatewayWebhookResponse.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `CancelPayment`: cancels a payment still in CREATED and releases its reservation.
    /// - Parameters:
    ///   - paymentID: The payment.
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The payment after the change.
    /// - Throws: ``RPCError``; FAILED_PRECONDITION when it is no longer CREATED.
    public func cancelPayment(paymentID: String, idempotencyKey: String? = nil,
                              timeout: TimeAmount? = nil) async throws(RPCError) -> Payment {
        try await mutate(Self.paymentService, "CancelPayment", CancelPaymentRequest(paymentID: paymentID), Payment.self,
                         idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `GetPayment`: one of the caller's payments.
    /// - Parameters:
    ///   - paymentID: The payment.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The payment.
    /// - Throws: ``RPCError``; NOT_FOUND when unknown or someone else's.
    public func getPayment(paymentID: String, timeout: TimeAmount? = nil) async throws(RPCError) -> Payment {
        try await read(Self.paymentService, "GetPayment", GetPaymentRequest(paymentID: paymentID), Payment.self,
                       timeout: timeout)
    }

    /// `GetOrder`: one of the caller's orders.
    /// - Parameters:
    ///   - orderID: The order.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The order.
    /// - Throws: ``RPCError``; NOT_FOUND when unknown or someone else's.
    public func getOrder(orderID: String, timeout: TimeAmount? = nil) async throws(RPCError) -> Order {
        try await read(Self.paymentService, "GetOrder", GetOrderRequest(orderID: orderID), Order.self, timeout: timeout)
    }

    /// `ListOrders`: one page of the caller's orders, newest first.
    /// - Parameters:
    ///   - pageSize: Orders per page; 0 lets the server choose.
    ///   - pageToken: `""` for the first page, else the previous page's `nextPageToken`.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The page and the token of the next one (`""` after the last page).
    /// - Throws: ``RPCError``.
    public func listOrders(pageSize: Int32 = 0, pageToken: String = "",
                           timeout: TimeAmount? = nil) async throws(RPCError) -> ListOrdersResponse {
        try await read(Self.paymentService, "ListOrders", ListOrdersRequest(pageSize: pageSize, pageToken: pageToken),
                       ListOrdersResponse.self, timeout: timeout)
    }

    /// Every order of the caller, newest first: `ListOrders` page after page.
    /// - Parameters:
    ///   - pageSize: Orders per page; 0 lets the server choose.
    ///   - timeout: Overrides the configured deadline of each page.
    /// - Returns: All orders.
    /// - Throws: ``RPCError``; INTERNAL if the server repeats a page token.
    public func allOrders(pageSize: Int32 = 0, timeout: TimeAmount? = nil) async throws(RPCError) -> [Order] {
        try await Paging.collect("ListOrders") { (token) async throws(RPCError) in
            let page = try await listOrders(pageSize: pageSize, pageToken: token, timeout: timeout)
            return (page.orders, page.nextPageToken)
        }
    }
}
