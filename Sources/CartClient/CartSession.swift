// One shopper's cart, cached and kept current: the client-side companion of CartService.

import CartCore
import CartProto
import NIOCore
import TTRPC

/// One shopper's cart as an app sees it: cached, kept current by mutations and (optionally) a watch,
/// with optimistic-concurrency conflicts turned into the fresh cart, and checkout.
///
/// Thread safety: an actor; share one session per shopper (per token). The cache only ever moves forward:
/// a cart replaces the cached one only when its version is newer (or it is another cart, updated later),
/// whichever of a reply, a refresh or the watch delivers it first.
public actor CartSession {
    /// The cart as last known; `nil` before the first call.
    public private(set) var cart: PricedCart?
    /// How long a fetched cart is served from the cache without asking the daemon.
    public let freshness: Duration
    /// The last error that stopped the watch (anything but UNAVAILABLE, or UNAVAILABLE past the retry
    /// policy's attempts); `nil` while watching or after ``stopWatching()``.
    public private(set) var watchError: RPCError?

    let transport: any CartSessionTransport
    private let reconnect: RetryPolicy
    private let now: @Sendable () -> ContinuousClock.Instant
    private let broadcaster = CartUpdateBroadcaster()
    private var fetchedAt: ContinuousClock.Instant?
    private var refresh: Task<PricedCart, any Error>?
    private var watchTask: Task<Void, Never>?
    private var watchConnected = false

    /// The default reconnect policy of the watch: unlimited attempts, 100 ms doubling to at most 5 s.
    public static let defaultReconnect = RetryPolicy(maxAttempts: .max, initialBackoff: .milliseconds(100),
                                                     maxBackoff: .seconds(5))

    /// Creates a session.
    /// - Parameters:
    ///   - client: The client, carrying the shopper's token.
    ///   - freshness: How long a fetched cart is served from the cache (always, while a watch runs).
    ///   - reconnect: Backoff between watch reconnects after UNAVAILABLE; `maxAttempts` bounds consecutive
    ///     failures.
    public init(client: CartClient, freshness: Duration = .seconds(30), reconnect: RetryPolicy = defaultReconnect) {
        self.init(transport: client, freshness: freshness, reconnect: reconnect)
    }

    /// Creates a session over any transport, with an injectable clock (for tests).
    init(transport: any CartSessionTransport, freshness: Duration = .seconds(30),
         reconnect: RetryPolicy = defaultReconnect,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.transport = transport
        self.freshness = freshness
        self.reconnect = reconnect
        self.now = now
    }

    deinit {
        watchTask?.cancel()
        broadcaster.finishAll()
    }

    /// Every cart the session takes from now on (after a reply, a refresh or a watch event made it newer), for
    /// as many consumers as want one; each access makes a new stream. The current cart is not replayed: read
    /// ``cart`` first. A consumer more than 16 carts behind skips the older ones.
    public nonisolated var updates: AsyncStream<PricedCart> { broadcaster.makeStream() }

    /// Whether a watch is running (connected, or waiting to reconnect).
    public var isWatching: Bool { watchTask != nil }

    // MARK: - Reading

    /// The cart: the cached one while fresh (younger than ``freshness``, or a watch is connected), else
    /// `GetCart`. Concurrent refreshes share one call.
    /// - Parameter forceRefresh: Always ask the daemon (and never share an older in-flight call).
    /// - Returns: The newest cart known.
    /// - Throws: ``RPCError``.
    public func getCart(forceRefresh: Bool = false) async throws -> PricedCart {
        if !forceRefresh, let cart, isFresh { return cart }
        if !forceRefresh, let refresh { return take(try await refresh.value) }
        let task = Task { [transport] () async throws -> PricedCart in try await transport.getCart(timeout: nil) }
        if !forceRefresh { refresh = task }
        defer { if refresh == task { refresh = nil } }
        return take(try await task.value)
    }

    private var isFresh: Bool {
        if watchConnected { return true }
        guard let fetchedAt else { return false }
        return now() - fetchedAt < freshness
    }

    // MARK: - Mutations

    /// `AddItem`; the cart it returns is taken into the cache (when newer).
    /// - Parameters:
    ///   - productID: The product.
    ///   - variantID: The variant; `""` for none.
    ///   - quantity: Units to add.
    ///   - expectedVersion: 0 = unconditional; else the version that must be current.
    ///   - idempotencyKey: The operation's key; `nil` lets the client generate one.
    /// - Returns: The cart the call returned.
    /// - Throws: ``CartSessionError/conflict(fresh:underlying:)`` on ABORTED (after refetching), else ``RPCError``.
    @discardableResult
    public func addItem(productID: String, variantID: String = "", quantity: Int64 = 1, expectedVersion: UInt64 = 0,
                        idempotencyKey: String? = nil) async throws -> PricedCart {
        try await mutation { transport async throws(RPCError) in
            try await transport.addItem(productID: productID, variantID: variantID, quantity: quantity,
                                        expectedVersion: expectedVersion, idempotencyKey: idempotencyKey, timeout: nil)
        }
    }

    /// `UpdateItem` (quantity 0 removes the line); the cart it returns is taken into the cache (when newer).
    /// - Parameters:
    ///   - itemID: The line.
    ///   - quantity: The new quantity.
    ///   - expectedVersion: 0 = unconditional; else the version that must be current.
    ///   - idempotencyKey: The operation's key; `nil` lets the client generate one.
    /// - Returns: The cart the call returned.
    /// - Throws: ``CartSessionError/conflict(fresh:underlying:)`` on ABORTED (after refetching), else ``RPCError``.
    @discardableResult
    public func updateItem(itemID: String, quantity: Int64, expectedVersion: UInt64 = 0,
                           idempotencyKey: String? = nil) async throws -> PricedCart {
        try await mutation { transport async throws(RPCError) in
            try await transport.updateItem(itemID: itemID, quantity: quantity, expectedVersion: expectedVersion,
                                           idempotencyKey: idempotencyKey, timeout: nil)
        }
    }

    /// `RemoveItem`; the cart it returns is taken into the cache (when newer).
    /// - Parameters:
    ///   - itemID: The line.
    ///   - expectedVersion: 0 = unconditional; else the version that must be current.
    ///   - idempotencyKey: The operation's key; `nil` lets the client generate one.
    /// - Returns: The cart the call returned.
    /// - Throws: ``CartSessionError/conflict(fresh:underlying:)`` on ABORTED (after refetching), else ``RPCError``.
    @discardableResult
    public func removeItem(itemID: String, expectedVersion: UInt64 = 0,
                           idempotencyKey: String? = nil) async throws -> PricedCart {
        try await mutation { transport async throws(RPCError) in
            try await transport.removeItem(itemID: itemID, expectedVersion: expectedVersion,
                                           idempotencyKey: idempotencyKey, timeout: nil)
        }
    }

    /// `ClearCart`; the cart it returns is taken into the cache (when newer).
    /// - Parameters:
    ///   - expectedVersion: 0 = unconditional; else the version that must be current.
    ///   - idempotencyKey: The operation's key; `nil` lets the client generate one.
    /// - Returns: The cart the call returned.
    /// - Throws: ``CartSessionError/conflict(fresh:underlying:)`` on ABORTED (after refetching), else ``RPCError``.
    @discardableResult
    public func clearCart(expectedVersion: UInt64 = 0, idempotencyKey: String? = nil) async throws -> PricedCart {
        try await mutation { transport async throws(RPCError) in
            try await transport.clearCart(expectedVersion: expectedVersion, idempotencyKey: idempotencyKey,
                                          timeout: nil)
        }
    }

    /// `MergeGuestCart` (after a guest signs in); the cart it returns is taken into the cache (when newer).
    /// - Parameters:
    ///   - guestToken: The guest session's JWT.
    ///   - idempotencyKey: The operation's key; `nil` lets the client generate one.
    /// - Returns: The cart the call returned.
    /// - Throws: ``RPCError``.
    @discardableResult
    public func mergeGuestCart(guestToken: String, idempotencyKey: String? = nil) async throws -> PricedCart {
        try await mutation { transport async throws(RPCError) in
            try await transport.mergeGuestCart(guestToken: guestToken, idempotencyKey: idempotencyKey, timeout: nil)
        }
    }

    /// Runs a cart mutation: takes its reply, or turns ABORTED into a conflict carrying the refetched cart.
    private func mutation(
        _ call: (any CartSessionTransport) async throws(RPCError) -> PricedCart
    ) async throws -> PricedCart {
        let result: PricedCart
        do {
            result = try await call(transport)
        } catch {
            throw await failure(error)
        }
        take(result)
        return result
    }

    /// The error to throw for a failed call: after ABORTED, a conflict carrying the refetched cart (or the ABORTED
    /// itself when the refetch fails too); any other error unchanged.
    private func failure(_ error: RPCError) async -> any Error {
        guard error.code == .aborted, let fresh = try? await getCart(forceRefresh: true) else { return error }
        return CartSessionError.conflict(fresh: fresh, underlying: error)
    }

    /// Stores `candidate` when it is newer than the cached cart, and notes that the daemon was just heard from.
    /// - Returns: The newest cart known (the candidate, or the cached one when that is newer).
    @discardableResult
    private func take(_ candidate: PricedCart) -> PricedCart {
        fetchedAt = now()
        if let cart, !Self.isNewer(candidate, than: cart) { return cart }
        cart = candidate
        broadcaster.yield(candidate)
        return candidate
    }

    /// Whether `candidate` should replace `current`: a higher version of the same cart, or another cart (after
    /// checkout the daemon may open a new one) updated no earlier.
    static func isNewer(_ candidate: PricedCart, than current: PricedCart) -> Bool {
        candidate.id == current.id ? candidate.version > current.version : candidate.updatedAtMs >= current.updatedAtMs
    }

    // MARK: - Watching

    /// Starts keeping the cache current from `WatchCart` (from the cached version on), reconnecting with backoff
    /// when the stream fails with UNAVAILABLE or the daemon ends it. Does nothing when already watching.
    /// The watch keeps the session alive (and one connection open) until ``stopWatching()``.
    public func startWatching() {
        guard watchTask == nil else { return }
        watchError = nil
        watchTask = Task { await self.watchLoop() }
    }

    /// Stops the watch and closes its connection; returns once it has stopped.
    public func stopWatching() async {
        guard let task = watchTask else { return }
        watchTask = nil
        task.cancel()
        await task.value
        watchConnected = false
        watchError = nil
    }

    private func watchLoop() async {
        var failures = 0
        while !Task.isCancelled {
            watchConnected = true
            do {
                for try await next in transport.watchCart(sinceVersion: cart?.version ?? 0, timeout: nil) {
                    failures = 0
                    take(next)
                }
            } catch {
                let rpc = error as? RPCError ?? RPCError(from: error)
                if !Task.isCancelled && rpc.code != .unavailable {
                    watchError = rpc
                    break
                }
            }
            watchConnected = false
            failures += 1
            if Task.isCancelled { break }
            guard failures < reconnect.maxAttempts else {
                watchError = RPCError(code: .unavailable, message: "the cart watch failed \(failures) times in a row")
                break
            }
            let wait = reconnect.backoff(beforeAttempt: failures + 1)
            try? await Task.sleep(for: .nanoseconds(wait.nanoseconds))
        }
        watchConnected = false
        if !Task.isCancelled { watchTask = nil }
    }

    // MARK: - Checkout and orders

    /// Starts checkout: refreshes the cart, refuses an empty one locally, else `CreatePaymentFromCart` with
    /// payment method `"razorpay"` and `expected_version` = the refreshed cart's version.
    /// - Parameters:
    ///   - shipping: Where to ship.
    ///   - billing: Who pays; `nil` uses the shipping address.
    ///   - currencyCode: The currency expected; `nil` for the cart's.
    /// - Returns: The payment (CREATED), to hand to the gateway.
    /// - Throws: ``CartSessionError/emptyCart(cartID:)`` without calling the daemon;
    ///   ``CartSessionError/conflict(fresh:underlying:)`` when the cart changed meanwhile; else ``RPCError``.
    public func checkout(shipping: Address, billing: Address? = nil, currencyCode: String? = nil) async throws
        -> Payment
    {
        let current = try await getCart(forceRefresh: true)
        guard !current.items.isEmpty else { throw CartSessionError.emptyCart(cartID: current.id) }
        do {
            return try await transport.createPaymentFromCart(
                paymentMethod: "razorpay", shipping: shipping, billing: billing ?? shipping,
                currencyCode: currencyCode ?? current.currencyCode, expectedVersion: current.version,
                idempotencyKey: nil, timeout: nil)
        } catch {
            throw await failure(error)
        }
    }

    /// `ConfirmPayment`, then a refresh of the cart (the daemon cleared it). A failed refresh does not fail the
    /// call: the order exists.
    /// - Parameters:
    ///   - paymentID: The payment from ``checkout(shipping:billing:currencyCode:)``.
    ///   - gatewayPaymentID: The gateway's payment id.
    ///   - signature: The gateway's signature.
    /// - Returns: The order.
    /// - Throws: ``RPCError``; PERMISSION_DENIED for a bad signature.
    public func confirmPayment(paymentID: String, gatewayPaymentID: String, signature: String) async throws -> Order {
        let order = try await transport.confirmPayment(paymentID: paymentID, gatewayPaymentID: gatewayPaymentID,
                                                       signature: signature, idempotencyKey: nil, timeout: nil)
        _ = try? await getCart(forceRefresh: true)
        return order
    }

    /// `ListOrders`: one page of the shopper's orders, newest first.
    /// - Parameters:
    ///   - pageSize: Orders per page; 0 lets the daemon choose.
    ///   - pageToken: `""` for the first page, else the previous page's `nextPageToken`.
    /// - Returns: The page.
    /// - Throws: ``RPCError``.
    public func orders(pageSize: Int32 = 0, pageToken: String = "") async throws -> ListOrdersResponse {
        try await transport.listOrders(pageSize: pageSize, pageToken: pageToken, timeout: nil)
    }
}
