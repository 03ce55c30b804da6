// The cart read through SQLite's C API (CartReadConnections, CartRows.activeCart): line order, freshness
// under concurrent writes, and failures that reach callers as StoreError.

import CartCore
import Foundation
import Locking
import Testing

@testable import CartStoreSQLite

@Suite("Cart reads through SQLite's C API")
struct CartReadConnectionsTests {
    /// The cart cache off: every read goes to SQLite.
    static var uncached: SQLiteStoreOptions {
        var options = SQLiteStoreOptions()
        options.cartCacheCapacity = 0
        return options
    }

    @Test("lines come back in the order they were first added, not in index order, on readers and on the writer")
    func linesKeepTheirOrder() throws {
        try withStore(options: Self.uncached) { store throws in
            // The UNIQUE (cart_id, product_id, variant_id) index orders these p1, p2/v1, p4.
            try store.apply(.add(productID: "p4", variantID: nil, quantity: 1))
            try store.apply(.add(productID: "p2", variantID: "v1", quantity: 1))
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let expected = ["p4", "p2", "p1"]
            let read = try #require(try store.activeCart(userID: "alice"))
            #expect(read.lines.map(\.productID) == expected)
            #expect(read.lines.map(\.variantID) == [nil, "v1", nil])
            #expect(read.version == 4 && read.currencyCode == "INR" && !read.isGuest)
            // The writer (no cache) reads the cart on its own connection before changing it.
            let line = read.lines[1]
            let written = try store.apply(.update(itemID: line.id, quantity: 3)).cart
            #expect(written.lines.map(\.productID) == expected)
            #expect(written.lines.map(\.quantity) == [1, 3, 1] && written.version == 5)
            #expect(try store.activeCart(userID: "alice") == written)
        }
    }

    @Test("a user without a cart reads nil; a cart without lines reads with no lines")
    func missingAndEmptyCarts() throws {
        try withStore(options: Self.uncached) { store throws in
            #expect(try store.activeCart(userID: "nobody") == nil)
            let line = try store.apply(.add(productID: "p1", variantID: nil, quantity: 1)).cart.lines[0]
            try store.apply(.remove(itemID: line.id))
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.lines.isEmpty && cart.version == 3)
        }
    }

    @Test("readers racing a writer always see a whole committed cart, and the latest one once it returns")
    func readersSeeCommittedCarts() throws {
        try withStore(options: Self.uncached) { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let failures = Locked<[String]>([])
            let writes = 45  // under Fixture.rules' 50 per line
            raceOnThreads(5) { thread in
                if thread == 0 {
                    for _ in 0..<writes {
                        do {
                            let cart = try store.apply(.add(productID: "p1", variantID: nil, quantity: 1)).cart
                            // Read after the write returned: never an older version.
                            let read = try store.activeCart(userID: "alice")
                            if let read, read.version < cart.version {
                                failures.withLock { $0.append("read v\(read.version) after committing v\(cart.version)") }
                            }
                        } catch {
                            failures.withLock { $0.append("write: \(error)") }
                        }
                    }
                } else {
                    for _ in 0..<200 {
                        do {
                            // Every committed version v holds v units of p1 (v1 was created with one).
                            guard let cart = try store.activeCart(userID: "alice") else {
                                failures.withLock { $0.append("no cart") }
                                continue
                            }
                            if cart.lines.count != 1 || UInt64(cart.lines[0].quantity) + 1 != cart.version {
                                failures.withLock { $0.append("torn read: v\(cart.version) \(cart.lines)") }
                            }
                        } catch {
                            failures.withLock { $0.append("read: \(error)") }
                        }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            #expect(try store.activeCart(userID: "alice")?.version == UInt64(writes) + 2)
        }
    }

    @Test("a database that cannot be opened is a StoreError (unreachable), not a crash")
    func unopenableDatabase() throws {
        let readers = CartReadConnections(path: "/nonexistent-directory/cart.db", busyTimeoutSeconds: 1, maxIdle: 2)
        do {
            _ = try readers.activeCart(userID: "alice")
            Issue.record("expected a failure")
        } catch {
            let mapped = try #require(SQLiteErrors.map(error) as? StoreError)
            #expect(mapped.reason == .unreachable && mapped.kind == .unavailable, "\(mapped)")
        }
    }

    @Test("after close, reads fail with an error instead of reopening")
    func closedReaders() throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let readers = CartReadConnections(path: store.path, busyTimeoutSeconds: 1, maxIdle: 1)
            #expect(try readers.activeCart(userID: "alice")?.lines.count == 1)
            readers.close()
            #expect(throws: (any Error).self) { try readers.activeCart(userID: "alice") }
        }
    }
}
