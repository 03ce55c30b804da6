// The group-commit writer: mutations submitted together share a transaction, each in its own savepoint. A later
// mutation of a user in the same batch builds on the earlier one (not on the cached, committed cart), and a
// mutation failing for a domain reason rolls back alone.

import CartCore
import Foundation
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · group commit")
struct GroupCommitTests {
    @Test("40 AddItems of one user submitted at once: every one applied on top of the previous, none lost")
    func oneUserManyMutationsInABatch() throws {
        try withStore { store throws in
            let first = try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            // The cart is cached now: the writer must still see the batch's own earlier changes.
            #expect(try store.activeCart(userID: "alice") == first.cart)
            let results = store.submitTogether((0..<40).map { _ in
                SQLiteStore.mutation(.add(productID: "p1", variantID: nil, quantity: 1), user: "alice")
            })
            let versions = try results.map { try $0.get().applied().cart.version }
            #expect(versions.sorted() == Array((first.cart.version + 1)...(first.cart.version + 40)))
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.version == first.cart.version + 40)
            #expect(cart.lines.map(\.quantity) == [41])
            #expect(try store.count("SELECT quantity FROM cart_items") == 41)
        }
    }

    @Test("a mutation failing for a domain reason amid a batch rolls back alone; the others commit")
    func failingMutationRollsBackAlone() throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let commands: [CartCommand] = [
                .add(productID: "p1", variantID: nil, quantity: 1),
                .add(productID: "p4", variantID: nil, quantity: 4),  // stock 3: refused
                .add(productID: "p2", variantID: "v1", quantity: 1),
                .add(productID: "nope", variantID: nil, quantity: 1),  // unknown product: refused
                .add(productID: "p1", variantID: nil, quantity: 1),
            ]
            let results = store.submitTogether(commands.map { SQLiteStore.mutation($0, user: "alice") })
            #expect(results.map { (try? $0.get()) != nil } == [true, false, true, false, true])
            if case .failure(let error as CartError) = results[1] { #expect(error.kind == .failedPrecondition) } else {
                Issue.record("p4 × 4: expected a CartError, got \(results[1])")
            }
            if case .failure(let error as CartError) = results[3] { #expect(error.kind == .notFound) } else {
                Issue.record("unknown product: expected a CartError, got \(results[3])")
            }
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.version == 5)
            #expect(cart.lines.map { "\($0.productID)×\($0.quantity)" } == ["p1×3", "p2×1"])
            let reloaded = try SQLiteStore(path: store.path).activeCart(userID: "alice")
            #expect(reloaded == cart, "the cache and the file disagree")
        }
    }

    @Test("a mutation failing after it wrote rolls back to its savepoint: its new cart, line and record are gone")
    func failingAfterWritesRollsBackToSavepoint() throws {
        struct EncodingFailed: Error {}
        try withStore { store throws in
            let gate = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            let results = Locked([String: Result<CartMutationOutcome, any Error>]())
            func submit(_ user: String, encode: @escaping @Sendable (PricedCart) throws -> [UInt8]) {
                done.enter()
                store.mutate(SQLiteStore.mutation(.add(productID: "p1", variantID: nil, quantity: 1), user: user,
                                                  key: "key-\(user)"),
                             rules: Fixture.rules, encodeResult: encode) { result in
                    results.withLock { $0[user] = result }
                    done.leave()
                }
            }
            // alice's mutation holds the writer until the other three are queued: they form one batch.
            submit("alice") { cart in
                gate.wait()
                return try encodeCart(cart)
            }
            submit("bob", encode: encodeCart)
            submit("carol") { _ in throw EncodingFailed() }  // after her cart and line were written
            submit("dave", encode: encodeCart)
            gate.signal()
            done.wait()
            let outcomes = results.withLock { $0 }
            for user in ["alice", "bob", "dave"] {
                #expect(throws: Never.self, "\(user)") { try outcomes[user]!.get() }
            }
            if case .failure(let error as StoreError) = outcomes["carol"]! {
                #expect(error.reason == .other)
            } else {
                Issue.record("carol: expected the encoding failure as a StoreError, got \(outcomes["carol"]!)")
            }
            #expect(try store.activeCart(userID: "carol") == nil, "the cache kept the rolled-back cart")
            #expect(try store.count("SELECT count(*) FROM carts WHERE user_id = 'carol'") == 0)
            #expect(try store.count("SELECT count(*) FROM idempotency_records WHERE user_id = 'carol'") == 0)
            #expect(try store.count("SELECT count(*) FROM idempotency_records") == 3)
            #expect(try store.count("SELECT count(*) FROM cart_items") == 3)
            for user in ["bob", "dave"] {
                #expect(try store.activeCart(userID: user)?.lines.map(\.quantity) == [1], "\(user)")
            }
            #expect(try SQLiteStore(path: store.path).activeCart(userID: "carol") == nil)
        }
    }
}
