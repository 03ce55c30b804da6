// cart.v1.CartService: the caller's own cart.

import CartCore
import CartProto
import NIOCore
import ProtobufCSupport
import Locking
import TTRPC

extension CartClient {
    /// The service name of the cart RPCs.
    static let cartService = "cart.v1.CartService"

    /// `GetCart`: the caller's active cart, created on first access.
    /// - Parameter timeout: Overrides the configured deadline.
    /// - Returns: The cart, priced live.
    /// - Throws: ``RPCError``.
    public func getCart(timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        try await read(Self.cartService, "GetCart", GetCartRequest(), PricedCart.self, timeout: timeout)
    }

    /// `AddItem`: adds units of a product (and variant) to the caller's cart; the same product and variant
    /// merge into one line.
    /// - Parameters:
    ///   - productID: The product.
    ///   - variantID: The variant; `""` for none.
    ///   - quantity: Units to add, at least 1.
    ///   - expectedVersion: 0 = unconditional; otherwise the version that must be current (else ABORTED).
    ///   - idempotencyKey: The operation's key; `nil` generates one (reused across retries).
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The cart after the change.
    /// - Throws: ``RPCError``.
    public func addItem(productID: String, variantID: String = "", quantity: Int64 = 1, expectedVersion: UInt64 = 0,
                        idempotencyKey: String? = nil, timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        let request = AddItemRequest(productID: productID, variantID: variantID, quantity: quantity,
                                     expectedVersion: expectedVersion)
        return try await mutate(Self.cartService, "AddItem", request, PricedCart.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `UpdateItem`: sets the quantity of one line; 0 removes it.
    /// - Parameters:
    ///   - itemID: The line (`PricedItem.id`).
    ///   - quantity: The new quantity.
    ///   - expectedVersion: 0 = unconditional; otherwise the version that must be current (else ABORTED).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The cart after the change.
    /// - Throws: ``RPCError``.
    public func updateItem(itemID: String, quantity: Int64, expectedVersion: UInt64 = 0, idempotencyKey: String? = nil,
                           timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        let request = UpdateItemRequest(itemID: itemID, quantity: quantity, expectedVersion: expectedVersion)
        return try await mutate(Self.cartService, "UpdateItem", request, PricedCart.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `RemoveItem`: removes one line.
    /// - Parameters:
    ///   - itemID: The line (`PricedItem.id`).
    ///   - expectedVersion: 0 = unconditional; otherwise the version that must be current (else ABORTED).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The cart after the change.
    /// - Throws: ``RPCError``.
    public func removeItem(itemID: String, expectedVersion: UInt64 = 0, idempotencyKey: String? = nil,
                           timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        let request = RemoveItemRequest(itemID: itemID, expectedVersion: expectedVersion)
        return try await mutate(Self.cartService, "RemoveItem", request, PricedCart.self,
                                idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `ClearCart`: removes every line.
    /// - Parameters:
    ///   - expectedVersion: 0 = unconditional; otherwise the version that must be current (else ABORTED).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The (empty) cart after the change.
    /// - Throws: ``RPCError``.
    public func clearCart(expectedVersion: UInt64 = 0, idempotencyKey: String? = nil,
                          timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        try await mutate(Self.cartService, "ClearCart", ClearCartRequest(expectedVersion: expectedVersion),
                         PricedCart.self, idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `MergeGuestCart`: moves a guest session's lines into the caller's cart and closes the guest cart;
    /// merging the same guest twice is a no-op.
    /// - Parameters:
    ///   - guestToken: The guest session's JWT (`guest: true`).
    ///   - idempotencyKey: The operation's key; `nil` generates one.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The caller's cart after the merge.
    /// - Throws: ``RPCError``.
    public func mergeGuestCart(guestToken: String, idempotencyKey: String? = nil,
                               timeout: TimeAmount? = nil) async throws(RPCError) -> PricedCart {
        try await mutate(Self.cartService, "MergeGuestCart", MergeGuestCartRequest(guestToken: guestToken),
                         PricedCart.self, idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `WatchCart`: the caller's cart after every committed change, on a connection of its own.
    ///
    /// The stream yields the current cart first when its version is newer than `sinceVersion`, then one cart
    /// per change in version order (a slow consumer may skip versions but ends at the latest). It finishes
    /// when the daemon ends the stream cleanly (shutdown) and throws ``RPCError`` when the call fails or the
    /// connection breaks (UNAVAILABLE). ttrpc has no cancel frame, so the dedicated connection is closed as
    /// soon as the consumer stops iterating (or the task iterating it is cancelled).
    /// - Parameters:
    ///   - sinceVersion: The version the caller already has; 0 to get the current cart first.
    ///   - timeout: A deadline for the whole stream; `nil` (the default) lets it live until stopped.
    /// - Returns: The carts.
    public func watchCart(sinceVersion: UInt64 = 0,
                          timeout: TimeAmount? = nil) -> AsyncThrowingStream<PricedCart, any Error> {
        let (stream, continuation) = AsyncThrowingStream<PricedCart, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(64))
        let slot = WatchConnectionSlot()
        let metadata = authorizedMetadata()
        let task = Task { [connections] in
            let connection: TTRPCClientConnection
            do {
                connection = try await connections.dedicatedConnection()
            } catch {
                continuation.finish(throwing: error)
                return
            }
            guard slot.install(connection) else {
                await connection.close()
                return
            }
            do {
                let events = connection.streamingCall(
                    service: Self.cartService, method: "WatchCart", request: WatchCartRequest(sinceVersion: sinceVersion),
                    response: CartEvent.self, metadata: metadata, timeout: timeout)
                for try await event in events {
                    if let cart = event.cart { continuation.yield(cart) }
                }
                continuation.finish()
            } catch let error as ProtobufDecodingError {
                continuation.finish(throwing: RPCError(
                    code: .internal, message: "a WatchCart event did not decode: \(error.message)", cause: error))
            } catch {
                continuation.finish(throwing: RPCError(from: error))
            }
            await connection.close()
        }
        continuation.onTermination = { _ in
            task.cancel()
            if let connection = slot.terminate() { Task { await connection.close() } }
        }
        return stream
    }
}

/// The dedicated connection of one watch, handed between the task that opens it and the termination handler
/// that closes it, whichever runs first. Thread-safe (a mutex).
final class WatchConnectionSlot: Sendable {
    private struct State {
        var connection: TTRPCClientConnection?
        var terminated = false
    }

    private let state = Locked(State())

    /// Stores the opened connection.
    /// - Returns: `false` when the consumer already went away (the caller must close the connection).
    func install(_ connection: TTRPCClientConnection) -> Bool {
        state.withLock { state in
            guard !state.terminated else { return false }
            state.connection = connection
            return true
        }
    }

    /// Marks the watch as over.
    /// - Returns: The connection to close, if one was installed.
    func terminate() -> TTRPCClientConnection? {
        state.withLock { state in
            state.terminated = true
            defer { state.connection = nil }
            return state.connection
        }
    }
}
