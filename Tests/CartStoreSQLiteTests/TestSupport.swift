// Shared fixtures and helpers for the SQLite store tests: temp databases, a fixed catalog, mutation shorthands,
// error expectations, database dumps and a thread race helper.

import CartCore
import Foundation
import GRDB
import Locking
import Testing

@testable import CartStoreSQLite

/// A tiny seeded PRNG (SplitMix64) so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fixed catalog and the rules most tests use.
///
/// - `p1` Tea ₹499.00, stock 100, no variants.
/// - `p2` Shirt ₹1,000.00, stock 0 itself; variants `v1` Large +₹50.00 stock 20, `v2` Small −₹10.00 stock 5,
///   `v3` Medium inactive stock 9.
/// - `p3` Old ₹1.00 inactive, stock 100.
/// - `p4` Lamp ₹2,500.00 stock 3.
/// - `u1` Mug $5.00 stock 100.
enum Fixture {
    static func inr(_ minor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: minor) }
    static func usd(_ minor: Int64) -> Money { Money(currencyCode: "USD", amountMinor: minor) }

    static let p1 = Product(id: "p1", name: "Tea", price: inr(49_900), stock: 100)
    static let p2 = Product(
        id: "p2", name: "Shirt", price: inr(100_000), stock: 0,
        variants: [
            ProductVariant(id: "v1", name: "Large", additionalPrice: inr(5_000), stock: 20),
            ProductVariant(id: "v2", name: "Small", additionalPrice: inr(-1_000), stock: 5),
            ProductVariant(id: "v3", name: "Medium", additionalPrice: inr(0), active: false, stock: 9),
        ])
    static let p3 = Product(id: "p3", name: "Old", price: inr(100), active: false, stock: 100)
    static let p4 = Product(id: "p4", name: "Lamp", price: inr(250_000), stock: 3)
    static let u1 = Product(id: "u1", name: "Mug", price: usd(500), stock: 100)

    static let products = [p1, p2, p3, p4, u1]
    static let rules = CartRules(maxLineQuantity: 50, maxLines: 100)
}

/// Runs `body` with the path of a database file in a fresh temp directory, removed afterwards.
func withTempDatabasePath<T>(_ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("cartstore-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory.appendingPathComponent("cart.sqlite").path)
}

/// Runs `body` with a store on a fresh temp file, holding `catalog`; the store is closed and the file removed
/// afterwards.
func withStore<T>(
    options: SQLiteStoreOptions = SQLiteStoreOptions(), catalog: [Product] = Fixture.products,
    _ body: (SQLiteStore) throws -> T
) throws -> T {
    try withTempDatabasePath { path throws in
        let store = try SQLiteStore(path: path, options: options)
        if !catalog.isEmpty { _ = try store.upsertProducts(catalog) }
        return try body(store)
    }
}

/// Encodes a priced cart deterministically (JSON with sorted keys): the "response" idempotency records store.
func encodeCart(_ cart: PricedCart) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Array(try encoder.encode(cart))
}

/// A failure of `applied(_:)`: the outcome was a replay.
struct UnexpectedReplay: Error {}

extension CartMutationOutcome {
    /// The result of an applied mutation; throws for a replay.
    func applied() throws -> CartMutationResult {
        guard case .applied(let result) = self else { throw UnexpectedReplay() }
        return result
    }

    /// The bytes of a replay, or `nil` for an applied mutation.
    var replayedBytes: [UInt8]? {
        guard case .replayed(let bytes) = self else { return nil }
        return bytes
    }
}

extension SQLiteStore {
    /// Builds a mutation; with `key`, its fingerprint is the command's with `expected`.
    static func mutation(
        _ command: CartCommand, user: String, expected: UInt64 = 0, key: String? = nil, nowMs: Int64 = 1_000,
        guest: Bool = false
    ) -> CartMutation {
        let idempotency = key.map {
            IdempotencyRequest(key: $0, fingerprint: .cart(command, expectedVersion: expected))
        }
        return CartMutation(
            userID: user, command: command, expectedVersion: expected, idempotency: idempotency, nowMs: nowMs,
            defaultCurrency: "INR", isGuest: guest)
    }

    /// Runs one command through `mutate`.
    func run(
        _ command: CartCommand, user: String = "alice", expected: UInt64 = 0, key: String? = nil,
        nowMs: Int64 = 1_000, rules: CartRules = Fixture.rules
    ) throws -> CartMutationOutcome {
        try mutate(
            Self.mutation(command, user: user, expected: expected, key: key, nowMs: nowMs), rules: rules,
            encodeResult: encodeCart)
    }

    /// Runs one command through `mutate` and expects it applied.
    @discardableResult
    func apply(
        _ command: CartCommand, user: String = "alice", expected: UInt64 = 0, key: String? = nil,
        nowMs: Int64 = 1_000, rules: CartRules = Fixture.rules
    ) throws -> CartMutationResult {
        try run(command, user: user, expected: expected, key: key, nowMs: nowMs, rules: rules).applied()
    }

    /// Merges `guest`'s cart into `user`'s.
    func merge(
        guest: String, into user: String, key: String? = nil, nowMs: Int64 = 1_000, rules: CartRules = Fixture.rules
    ) throws -> CartMutationOutcome {
        let idempotency = key.map { IdempotencyRequest(key: $0, fingerprint: .mergeGuestCart(guestUserID: guest)) }
        let mutation = CartMutation(
            userID: user, command: .mergeGuest(lines: []), expectedVersion: 0, idempotency: idempotency,
            nowMs: nowMs, defaultCurrency: "INR", isGuest: false)
        return try mergeGuestCart(guestUserID: guest, into: mutation, rules: rules, encodeResult: encodeCart)
    }

    /// Submits mutations through the group-commit writer at once (they share transactions) and waits for
    /// all their results, in submission order.
    func submitTogether(_ mutations: [CartMutation], rules: CartRules = Fixture.rules)
        -> [Result<CartMutationOutcome, any Error>] {
        let results = Locked([Int: Result<CartMutationOutcome, any Error>]())
        let done = DispatchGroup()
        for (index, mutation) in mutations.enumerated() {
            done.enter()
            mutate(mutation, rules: rules, encodeResult: encodeCart) { result in
                results.withLock { $0[index] = result }
                done.leave()
            }
        }
        done.wait()
        return results.withLock { results in mutations.indices.map { results[$0]! } }
    }

    /// GetCart for a regular user.
    func getCart(_ user: String = "alice", nowMs: Int64 = 1_000) throws -> (cart: PricedCart, created: Bool) {
        try pricedCart(userID: user, defaultCurrency: "INR", nowMs: nowMs, isGuest: false)
    }

    /// One integer from SQL.
    func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? -1 }
    }

    /// Every row of every table as text, in a stable order: equal dumps mean an unchanged database.
    func dump() throws -> [String] {
        let queries = [
            "SELECT * FROM products ORDER BY id",
            "SELECT * FROM product_variants ORDER BY id",
            "SELECT * FROM carts ORDER BY id",
            "SELECT *, rowid FROM cart_items ORDER BY rowid",
            "SELECT user_id, key, fingerprint, hex(result), created_at_ms FROM idempotency_records ORDER BY 1, 2",
        ]
        return try pool.read { db in
            try queries.flatMap { sql in try Row.fetchAll(db, sql: sql).map { "\(sql.prefix(30)): \($0)" } }
        }
    }

    /// The in-memory catalog (the cache the store prices from).
    var cachedCatalog: StaticCatalog {
        catalog.read { $0.base }
    }

    /// The catalog as loaded from the database now.
    func catalogFromDatabase() throws -> StaticCatalog {
        try pool.read { db in try CatalogRows.loadState(db).catalog }
    }
}

/// Runs `body` and expects a `CartError` of `kind` (and `reason`, when given). Returns the error.
@discardableResult
func expectCartError<T>(
    _ kind: ErrorKind, _ reason: CartError.Reason? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) -> CartError? {
    do {
        let value = try body()
        Issue.record("expected a \(kind) error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as CartError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        if let reason { #expect(error.reason == reason, "\(error.message)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected a CartError \(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body`, which must fail with `kind` and leave the database exactly as it was. Returns the error.
@discardableResult
func expectUnchanged<T>(
    _ store: SQLiteStore, _ kind: ErrorKind, _ reason: CartError.Reason? = nil,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) throws -> CartError? {
    let before = try store.dump()
    let error = expectCartError(kind, reason, sourceLocation: sourceLocation, body)
    #expect(try store.dump() == before, "the database changed", sourceLocation: sourceLocation)
    return error
}

/// A value behind a lock, shareable across threads.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Locking.Locked<Value>

    init(_ value: Value) {
        mutex = Locking.Locked(value)
    }

    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R {
        mutex.withLock { body(&$0) }
    }

    var value: Value { mutex.withLock { $0 } }
}

/// Runs `body(index)` for every index on its own thread; all threads start together, and this returns when
/// every one has finished.
func raceOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let ready = DispatchGroup()
    let done = DispatchGroup()
    let gate = DispatchSemaphore(value: 0)
    for index in 0..<count {
        ready.enter()
        done.enter()
        let thread = Thread {
            ready.leave()
            gate.wait()
            body(index)
            done.leave()
        }
        thread.start()
    }
    ready.wait()
    for _ in 0..<count { gate.signal() }
    done.wait()
}
