// CartSession's own rules, against an in-memory transport: caching, versions, conflicts, watch, checkout.

@testable import CartClient
import CartCore
import Testing

@Suite("CartSession", .timeLimit(.minutes(1)))
struct CartSessionTests {
    let clock = ManualClock()

    func makeSession(_ fake: FakeCartTransport, freshness: Duration = .seconds(30)) -> CartSession {
        CartSession(transport: fake, freshness: freshness,
                    reconnect: RetryPolicy(maxAttempts: .max, initialBackoff: .milliseconds(1),
                                           maxBackoff: .milliseconds(2)),
                    now: { [clock] in clock.now() })
    }

    @Test("reads are served from the cache while fresh")
    func cachedWhileFresh() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 3))
        let session = makeSession(fake)
        #expect(await session.cart == nil)
        #expect(try await session.getCart().version == 3)
        clock.advance(by: .seconds(29))
        fake.changeElsewhere()
        #expect(try await session.getCart().version == 3)
        #expect(fake.calls == ["GetCart"])
    }

    @Test("reads go to the daemon once the cart is older than the freshness, or when forced")
    func refreshAfterFreshness() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 3))
        let session = makeSession(fake)
        _ = try await session.getCart()
        fake.changeElsewhere()
        clock.advance(by: .seconds(30))
        #expect(try await session.getCart().version == 4)
        fake.changeElsewhere()
        #expect(try await session.getCart(forceRefresh: true).version == 5)
        #expect(await session.cart?.version == 5)
        #expect(fake.calls == ["GetCart", "GetCart", "GetCart"])
    }

    @Test("mutations take the cart the RPC returned, without another round trip")
    func takesMutationResults() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        let added = try await session.addItem(productID: "tee-classic", variantID: "tee-classic-m", quantity: 2)
        #expect(added.version == 2)
        #expect(await session.cart == added)
        let updated = try await session.updateItem(itemID: added.items[0].id, quantity: 5, expectedVersion: 2)
        #expect(await session.cart?.items.first?.quantity == 5)
        let removed = try await session.removeItem(itemID: updated.items[0].id)
        #expect(await session.cart == removed)
        _ = try await session.clearCart()
        _ = try await session.mergeGuestCart(guestToken: "guest.jwt")
        #expect(await session.cart?.version == 6)
        // The mutation replies count as fresh reads.
        #expect(try await session.getCart().version == 6)
        #expect(fake.calls == ["AddItem", "UpdateItem", "RemoveItem", "ClearCart", "MergeGuestCart"])
    }

    @Test("an older cart never replaces a newer one")
    func ignoresOlderVersions() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 4))
        let session = makeSession(fake)
        _ = try await session.addItem(productID: "tee-classic")  // version 5
        fake.state.withLock { $0.staleGetCart = pricedCart(version: 3) }
        #expect(try await session.getCart(forceRefresh: true).version == 5)
        #expect(await session.cart?.version == 5)
        #expect(await session.cart?.items.count == 1)
        #expect(!CartSession.isNewer(pricedCart(version: 5), than: pricedCart(version: 5)))
        #expect(CartSession.isNewer(pricedCart(version: 6), than: pricedCart(version: 5)))
        #expect(CartSession.isNewer(pricedCart(id: "cart-2", version: 1, updatedAtMs: 2_000),
                                    than: pricedCart(id: "cart-1", version: 9, updatedAtMs: 1_000)))
    }

    @Test("ABORTED refetches the cart, stores it, and throws a conflict carrying it")
    func abortedBecomesConflict() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        _ = try await session.getCart()
        fake.changeElsewhere { $0.items = [line("itm_9")] }  // version 2, elsewhere
        do {
            _ = try await session.addItem(productID: "mug-travel", expectedVersion: 1)
            Issue.record("a stale expected_version was accepted")
        } catch let CartSessionError.conflict(fresh, underlying) {
            #expect(fresh.version == 2)
            #expect(fresh.items.map(\.id) == ["itm_9"])
            #expect(underlying.code == .aborted)
        }
        #expect(await session.cart?.version == 2)
        #expect(fake.calls == ["GetCart", "AddItem", "GetCart"])
    }

    @Test("checkout refuses an empty cart locally, naming the cart")
    func checkoutRefusesEmptyCart() async throws {
        let fake = FakeCartTransport(cart: pricedCart(id: "cart-42", version: 7))
        let session = makeSession(fake)
        do {
            _ = try await session.checkout(shipping: Address(name: "A", line1: "1 Road", city: "Pune",
                                                             postalCode: "411001", country: "IN"))
            Issue.record("checkout of an empty cart succeeded")
        } catch let error as CartSessionError {
            guard case .emptyCart(let cartID) = error else { throw error }
            #expect(cartID == "cart-42")
            #expect(error.description == "Cart is empty. Please add items first. Cart ID: cart-42")
            #expect(error.rpcError.code == .failedPrecondition)
        }
        #expect(fake.calls == ["GetCart"])
    }

    @Test("checkout refreshes, then pays for exactly that version with razorpay")
    func checkoutSendsExpectedVersion() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        _ = try await session.addItem(productID: "tee-classic")  // version 2, cached
        fake.changeElsewhere()  // version 3
        let shipping = Address(name: "A", line1: "1 Road", city: "Pune", postalCode: "411001", country: "IN")
        let payment = try await session.checkout(shipping: shipping)
        #expect(payment.cartVersion == 3)
        let request = try #require(fake.state.withLock { $0.payments.first })
        #expect(request.expectedVersion == 3)
        #expect(request.paymentMethod == "razorpay")
        #expect(request.billingAddress == shipping)
        #expect(request.currencyCode == "INR")
        #expect(fake.calls == ["AddItem", "GetCart", "CreatePaymentFromCart"])
    }

    @Test("confirmPayment refreshes the cart the daemon cleared")
    func confirmRefreshes() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        _ = try await session.addItem(productID: "tee-classic")
        let order = try await session.confirmPayment(paymentID: "pay_1", gatewayPaymentID: "gw_1", signature: "sig")
        #expect(order.id == "ord_1")
        #expect(await session.cart?.items.isEmpty == true)
        #expect(await session.cart?.version == 3)
        _ = try await session.orders()
        #expect(fake.calls == ["AddItem", "ConfirmPayment", "GetCart", "ListOrders"])
    }

    @Test("the watch keeps the cache current, skips older carts, publishes updates and reconnects on UNAVAILABLE")
    func watchKeepsCacheCurrent() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        _ = try await session.getCart()
        var updates = session.updates.makeAsyncIterator()
        await session.startWatching()
        #expect(await session.isWatching)
        #expect(await eventually { fake.state.withLock { $0.watchers.count } == 1 })
        #expect(fake.state.withLock { $0.watchSinceVersions } == [1])

        fake.emit(pricedCart(version: 2, items: [line("itm_1")]))
        #expect(await updates.next()?.version == 2)
        fake.emit(pricedCart(version: 1))  // older: ignored
        fake.emit(pricedCart(version: 3, items: [line("itm_1"), line("itm_2")]))
        #expect(await updates.next()?.version == 3)
        #expect(await session.cart?.items.count == 2)

        // While the watch is connected the cache is fresh whatever its age.
        clock.advance(by: .seconds(120))
        #expect(try await session.getCart().version == 3)
        #expect(!fake.calls.dropFirst().contains("GetCart"))

        // UNAVAILABLE: the session reconnects from the version it has.
        fake.failWatch(RPCError(code: .unavailable, message: "cartd is shutting down"))
        #expect(await eventually { fake.state.withLock { $0.watchers.count } == 2 })
        #expect(fake.state.withLock { $0.watchSinceVersions } == [1, 3])
        fake.emit(pricedCart(version: 4))
        #expect(await updates.next()?.version == 4)

        // Any other error stops the watch and is kept.
        fake.failWatch(RPCError(code: .unauthenticated, message: "token expired"))
        #expect(await eventually { await !session.isWatching })
        #expect(await session.watchError?.code == .unauthenticated)
    }

    @Test("stopWatching ends the watch stream")
    func stopWatching() async throws {
        let fake = FakeCartTransport(cart: pricedCart(version: 1))
        let session = makeSession(fake)
        await session.startWatching()
        #expect(await eventually { fake.state.withLock { $0.watchers.count } == 1 })
        await session.stopWatching()
        #expect(await !session.isWatching)
        #expect(await session.watchError == nil)
        // Not connected any more: an old cache is refreshed again.
        _ = try await session.getCart()
        clock.advance(by: .seconds(31))
        _ = try await session.getCart()
        #expect(fake.calls == ["WatchCart", "GetCart", "GetCart"])
    }
}
