// Real races on many threads: first GetCart, concurrent AddItem, the line maximum, independent users.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · concurrency")
struct ConcurrencyTests {
    static let bigStock = Product(id: "bulk", name: "Bulk", price: Fixture.inr(1_000), stock: 1_000_000)
    static let other = Product(id: "other", name: "Other", price: Fixture.inr(250), stock: 1_000_000)

    @Test func concurrentFirstGetCartCreatesOneCart() throws {
        try withStore(catalog: []) { store throws in
            for round in 0..<5 {
                let user = "racer-\(round)"
                let outcomes = Locked<[Result<(String, Bool), any Error>]>([])
                raceOnThreads(32) { index in
                    let outcome = Result { () throws -> (String, Bool) in
                        let (cart, created) = try store.getOrCreateActiveCart(
                            userID: user, defaultCurrency: "INR", nowMs: Int64(index), isGuest: false)
                        return (cart.id, created)
                    }
                    outcomes.withLock { $0.append(outcome) }
                }
                let results = try outcomes.value.map { try $0.get() }
                #expect(results.count == 32)
                #expect(Set(results.map(\.0)).count == 1, "one cart id")
                #expect(results.filter(\.1).count == 1, "exactly one call created it")
                #expect(try store.count("SELECT COUNT(*) FROM carts WHERE user_id = ?", [user]) == 1)
                #expect(try store.activeCart(userID: user)?.version == 1)
            }
        }
    }

    @Test func concurrentAddsAllApply() throws {
        try withStore(catalog: [Self.bigStock]) { store throws in
            let start = try store.getOrCreateActiveCart(userID: "alice", defaultCurrency: "INR", nowMs: 1, isGuest: false)
            let failures = Locked<[String]>([])
            let versions = Locked<[UInt64]>([])
            raceOnThreads(40) { index in
                do {
                    let result = try store.apply(.add(productID: "bulk", variantID: nil, quantity: 1),
                                                 nowMs: Int64(10 + index))
                    versions.withLock { $0.append(result.cart.version) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.value.isEmpty)
            #expect(versions.value.sorted() == Array(2...41).map { UInt64($0) }, "each call saw its own version")
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.id == start.cart.id && cart.version == start.cart.version + 40)
            #expect(cart.lines.count == 1 && cart.lines[0].quantity == 40)
            let priced = try store.getCart().cart
            #expect(priced.totalItems == 40 && priced.totalPrice == Fixture.inr(40_000))
        }
    }

    @Test func concurrentAddsStopExactlyAtTheMaximum() throws {
        try withStore(catalog: [Self.bigStock]) { store throws in
            _ = try store.getOrCreateActiveCart(userID: "alice", defaultCurrency: "INR", nowMs: 1, isGuest: false)
            let successes = Locked(0)
            let errors = Locked<[String]>([])
            raceOnThreads(60) { _ in
                do {
                    try store.apply(.add(productID: "bulk", variantID: nil, quantity: 1))
                    successes.withLock { $0 += 1 }
                } catch let error as CartError where error.kind == .invalidArgument
                    && error.reason == .quantityAboveMax(max: 50)
                {
                    errors.withLock { $0.append("max") }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(successes.value == 50)
            #expect(errors.value == Array(repeating: "max", count: 10))
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.lines.map(\.quantity) == [50] && cart.version == 51)
        }
    }

    @Test func concurrentUsersAreIndependent() throws {
        try withStore(catalog: [Self.bigStock, Self.other]) { store throws in
            let users = (0..<8).map { "user-\($0)" }
            // Half the users already have a cart; the rest get one from their first AddItem.
            for user in users.prefix(4) {
                _ = try store.getOrCreateActiveCart(userID: user, defaultCurrency: "INR", nowMs: 1, isGuest: false)
            }
            let failures = Locked<[String]>([])
            raceOnThreads(users.count * 12) { index in
                let user = users[index % users.count]
                let product = (index / users.count).isMultiple(of: 2) ? "bulk" : "other"
                do {
                    try store.apply(.add(productID: product, variantID: nil, quantity: 1), user: user)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.value.isEmpty)
            for user in users {
                let cart = try #require(try store.activeCart(userID: user))
                #expect(cart.version == 13, "\(user): created at 1, then 12 changes")
                #expect(cart.lines.map(\.quantity) == [6, 6])
                #expect(Set(cart.lines.map(\.productID)) == ["bulk", "other"])
                #expect(try store.price(cart).totalPrice == Fixture.inr(6 * 1_000 + 6 * 250))
            }
            #expect(try store.count("SELECT COUNT(*) FROM carts") == 8)
            #expect(try store.count("SELECT COUNT(*) FROM cart_items") == 16)
        }
    }

    @Test func readersAndCatalogWritersRaceWithCartWriters() throws {
        try withStore(catalog: [Self.bigStock, Self.other]) { store throws in
            let failures = Locked<[String]>([])
            raceOnThreads(48) { index in
                do {
                    switch index % 4 {
                    case 0: try store.apply(.add(productID: "bulk", variantID: nil, quantity: 1))
                    case 1: _ = try store.getCart()
                    case 2: _ = try store.setStock(productID: "other", variantID: nil, stock: Int64(100 + index))
                    default: _ = try store.listProducts(afterID: nil, limit: 10)
                    }
                } catch {
                    failures.withLock { $0.append("\(index): \(error)") }
                }
            }
            #expect(failures.value.isEmpty)
            #expect(try store.activeCart(userID: "alice")?.lines.map(\.quantity) == [12])
            #expect(try store.cachedCatalog == store.catalogFromDatabase())
        }
    }
}
