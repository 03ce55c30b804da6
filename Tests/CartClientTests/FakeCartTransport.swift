// An in-memory CartService/PaymentService for CartSession's unit tests: a cart with versions, ABORTED on a stale
// expected_version, scripted stale replies, and watch streams the test feeds.

@testable import CartClient
import CartCore
import CartProto
import NIOCore
import Locking

final class FakeCartTransport: CartSessionTransport {
    struct State {
        var cart: PricedCart
        var calls: [String] = []
        /// Returned by the next GetCart instead of the current cart (a stale replica, a reordered reply).
        var staleGetCart: PricedCart?
        var watchSinceVersions: [UInt64] = []
        var watchers: [AsyncThrowingStream<PricedCart, any Error>.Continuation] = []
        var payments: [CreatePaymentFromCartRequest] = []
        var nextLine = 1
    }

    let state: Locked<State>

    init(cart: PricedCart) { state = Locked(State(cart: cart)) }

    /// The RPCs called so far, by method name.
    var calls: [String] { state.withLock { $0.calls } }

    /// The server-side cart.
    var serverCart: PricedCart { state.withLock { $0.cart } }

    /// Changes the cart behind the session's back (another device), bumping the version.
    func changeElsewhere(_ change: (inout PricedCart) -> Void = { _ in }) {
        state.withLock { state in
            change(&state.cart)
            state.cart.version += 1
        }
    }

    /// Sends `cart` on the newest watch stream.
    func emit(_ cart: PricedCart) {
        let watcher = state.withLock { $0.watchers.last }
        watcher?.yield(cart)
    }

    /// Ends the newest watch stream with `error`.
    func failWatch(_ error: RPCError) {
        let watcher = state.withLock { $0.watchers.last }
        watcher?.finish(throwing: error)
    }

    private func mutate(_ method: String, expectedVersion: UInt64,
                        _ change: (inout State) -> Void) throws(RPCError) -> PricedCart {
        try state.withLock { state throws(RPCError) in
            state.calls.append(method)
            if expectedVersion != 0 && expectedVersion != state.cart.version {
                throw RPCError(code: .aborted,
                               message: "the cart is at version \(state.cart.version), not \(expectedVersion)")
            }
            change(&state)
            state.cart.version += 1
            state.cart = pricedCart(id: state.cart.id, version: state.cart.version, items: state.cart.items,
                                    updatedAtMs: state.cart.updatedAtMs + 1)
            return state.cart
        }
    }

    func getCart(timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        state.withLock { state in
            state.calls.append("GetCart")
            defer { state.staleGetCart = nil }
            return state.staleGetCart ?? state.cart
        }
    }

    func addItem(productID: String, variantID: String, quantity: Int64, expectedVersion: UInt64,
                 idempotencyKey: String?, timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        try mutate("AddItem", expectedVersion: expectedVersion) { state in
            state.cart.items.append(line("itm_\(state.nextLine)", product: productID, variant: variantID,
                                         quantity: quantity))
            state.nextLine += 1
        }
    }

    func updateItem(itemID: String, quantity: Int64, expectedVersion: UInt64, idempotencyKey: String?,
                    timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        try mutate("UpdateItem", expectedVersion: expectedVersion) { state in
            guard let index = state.cart.items.firstIndex(where: { $0.id == itemID }) else { return }
            state.cart.items[index].quantity = quantity
        }
    }

    func removeItem(itemID: String, expectedVersion: UInt64, idempotencyKey: String?,
                    timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        try mutate("RemoveItem", expectedVersion: expectedVersion) { state in
            state.cart.items.removeAll { $0.id == itemID }
        }
    }

    func clearCart(expectedVersion: UInt64, idempotencyKey: String?,
                   timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        try mutate("ClearCart", expectedVersion: expectedVersion) { state in state.cart.items = [] }
    }

    func mergeGuestCart(guestToken: String, idempotencyKey: String?,
                        timeout: TimeAmount?) async throws(RPCError) -> PricedCart {
        try mutate("MergeGuestCart", expectedVersion: 0) { _ in }
    }

    func watchCart(sinceVersion: UInt64, timeout: TimeAmount?) -> AsyncThrowingStream<PricedCart, any Error> {
        let (stream, continuation) = AsyncThrowingStream<PricedCart, any Error>.makeStream()
        state.withLock { state in
            state.calls.append("WatchCart")
            state.watchSinceVersions.append(sinceVersion)
            state.watchers.append(continuation)
        }
        return stream
    }

    func createPaymentFromCart(paymentMethod: String, shipping: Address, billing: Address, currencyCode: String,
                               expectedVersion: UInt64, idempotencyKey: String?,
                               timeout: TimeAmount?) async throws(RPCError) -> Payment {
        try state.withLock { state throws(RPCError) in
            state.calls.append("CreatePaymentFromCart")
            state.payments.append(CreatePaymentFromCartRequest(
                paymentMethod: paymentMethod, shippingAddress: shipping, billingAddress: billing,
                currencyCode: currencyCode, expectedVersion: expectedVersion))
            if expectedVersion != 0 && expectedVersion != state.cart.version {
                throw RPCError(code: .aborted, message: "the cart is at version \(state.cart.version)")
            }
            return Payment(id: "pay_1", cartID: state.cart.id, userID: "alice", status: .created,
                           amount: state.cart.totalPrice, paymentMethod: paymentMethod, gateway: "simulated",
                           gatewayOrderID: "order_1", gatewayKeyID: "key", items: state.cart.items,
                           shippingAddress: shipping, billingAddress: billing, createdAtMs: 1, expiresAtMs: 2,
                           cartVersion: state.cart.version, updatedAtMs: 1)
        }
    }

    func confirmPayment(paymentID: String, gatewayPaymentID: String, signature: String, idempotencyKey: String?,
                        timeout: TimeAmount?) async throws(RPCError) -> Order {
        state.withLock { state in
            state.calls.append("ConfirmPayment")
            let order = Order(id: "ord_1", paymentID: paymentID, userID: "alice", items: state.cart.items,
                              totalPrice: state.cart.totalPrice, shippingAddress: Address(),
                              billingAddress: Address(), status: .confirmed, createdAtMs: 3, cartID: state.cart.id)
            state.cart = pricedCart(id: state.cart.id, version: state.cart.version + 1, items: [],
                                    updatedAtMs: state.cart.updatedAtMs + 1)
            return order
        }
    }

    func listOrders(pageSize: Int32, pageToken: String, timeout: TimeAmount?) async throws(RPCError)
        -> ListOrdersResponse {
        state.withLock { $0.calls.append("ListOrders") }
        return ListOrdersResponse()
    }
}
