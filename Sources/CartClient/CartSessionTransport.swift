// What CartSession needs from the daemon: the cart and checkout RPCs. CartClient is the real one.

import CartCore
import CartProto
import NIOCore

/// The RPCs a ``CartSession`` makes. ``CartClient`` conforms; unit tests substitute an in-memory fake, so the
/// session's caching, version and conflict rules can be tested without a daemon.
protocol CartSessionTransport: Sendable {
    /// `GetCart`.
    func getCart(timeout: TimeAmount?) async throws(RPCError) -> PricedCart
    /// `AddItem`.
    func addItem(productID: String, variantID: String, quantity: Int64, expectedVersion: UInt64,
                 idempotencyKey: String?, timeout: TimeAmount?) async throws(RPCError) -> PricedCart
    /// `UpdateItem`.
    func updateItem(itemID: String, quantity: Int64, expectedVersion: UInt64, idempotencyKey: String?,
                    timeout: TimeAmount?) async throws(RPCError) -> PricedCart
    /// `RemoveItem`.
    func removeItem(itemID: String, expectedVersion: UInt64, idempotencyKey: String?,
                    timeout: TimeAmount?) async throws(RPCError) -> PricedCart
    /// `ClearCart`.
    func clearCart(expectedVersion: UInt64, idempotencyKey: String?, timeout: TimeAmount?) async throws(RPCError)
        -> PricedCart
    /// `MergeGuestCart`.
    func mergeGuestCart(guestToken: String, idempotencyKey: String?, timeout: TimeAmount?) async throws(RPCError)
        -> PricedCart
    /// `WatchCart`.
    func watchCart(sinceVersion: UInt64, timeout: TimeAmount?) -> AsyncThrowingStream<PricedCart, any Error>
    /// `CreatePaymentFromCart`.
    func createPaymentFromCart(paymentMethod: String, shipping: Address, billing: Address, currencyCode: String,
                               expectedVersion: UInt64, idempotencyKey: String?,
                               timeout: TimeAmount?) async throws(RPCError) -> Payment
    /// `ConfirmPayment`.
    func confirmPayment(paymentID: String, gatewayPaymentID: String, signature: String, idempotencyKey: String?,
                        timeout: TimeAmount?) async throws(RPCError) -> Order
    /// `ListOrders`.
    func listOrders(pageSize: Int32, pageToken: String, timeout: TimeAmount?) async throws(RPCError)
        -> ListOrdersResponse
}

extension CartClient: CartSessionTransport {}
