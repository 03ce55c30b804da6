// The store on a full disk (a small tmpfs): a write whose COMMIT fails is refused, changes nothing and is
// never shown later — not by the database, not by the cart cache — and writes resume when space returns.

import CartCore
import CartTesting
import Foundation
import GRDB
import Locking
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore on a full disk", .serialized)
struct DiskFullStoreTests {
    /// A store on a fresh 1 MiB tmpfs with the catalog loaded, alice and bob each holding one line, the WAL
    /// checkpointed away and the disk then filled: the next commit must allocate, and cannot.
    private func withFullStore(_ body: (SQLiteStore, _ freeSpace: () throws -> Void) throws -> Void) throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { rmdir(directory) }
        let tmpfs = try TemporaryTmpfs(at: directory + "/db", size: "1m")
        defer { tmpfs.unmount() }
        var options = SQLiteStoreOptions()
        options.backgroundCheckpoints = false
        let store = try SQLiteStore(path: tmpfs.path + "/cart.sqlite", options: options)
        _ = try store.upsertProducts(Fixture.products)
        try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "alice")
        try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "bob")
        _ = try store.pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        #expect(tmpfs.fill(filler: tmpfs.path + "/filler") > 0)
        try body(store) { try FileManager.default.removeItem(atPath: tmpfs.path + "/filler") }
    }

    /// Expects `body` to fail with the store's disk-full error.
    private func expectFull<T>(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                               _ body: () throws -> T) {
        do {
            let value = try body()
            Issue.record("\(what) on a full disk succeeded: \(value)", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error.reason == .full, "\(what): \(error.detail)", sourceLocation: sourceLocation)
            #expect(error.kind == .resourceExhausted, sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): expected StoreError.full, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a refused write is not cached by the next commit: the cart stays at its last committed version",
          .enabled(if: TemporaryTmpfs.isAvailable, "needs root to mount a tmpfs"))
    func refusedWriteNeverCached() throws {
        try withFullStore { store, freeSpace in
            let before = try store.getCart("alice").cart
            let dumpBefore = try store.dump()
            expectFull("AddItem") { try store.apply(.add(productID: "p1", variantID: nil, quantity: 2), user: "alice") }
            expectFull("AddItem through the group-commit writer") {
                try store.submitTogether([SQLiteStore.mutation(.add(productID: "p4", variantID: nil, quantity: 1),
                                                                user: "alice")])[0].get()
            }
            #expect(try store.getCart("alice").cart == before)
            #expect(try store.dump() == dumpBefore)

            // Space returns; another user's write commits. Alice's refused writes must not surface with it.
            try freeSpace()
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "bob")
            let cached = try #require(try store.activeCart(userID: "alice"))
            #expect(cached.version == before.version, "the cache shows a refused write")
            #expect(cached.lines.map(\.quantity) == [1])
            #expect(try store.getCart("alice").cart == before)

            // Alice's next write builds on her last committed cart.
            let next = try store.apply(.add(productID: "p1", variantID: nil, quantity: 5), user: "alice")
            #expect(next.cart.version == before.version + 1)
            #expect(next.cart.lines.map(\.quantity) == [6])
        }
    }

    @Test("a batch refused at COMMIT fails every mutation in it and none of them surfaces later",
          .enabled(if: TemporaryTmpfs.isAvailable, "needs root to mount a tmpfs"))
    func refusedBatchNeverCached() throws {
        try withFullStore { store, freeSpace in
            let users = (0..<8).map { "user-\($0)" } + ["alice"]
            let before = try store.getCart("alice").cart
            let results = store.submitTogether(users.map {
                SQLiteStore.mutation(.add(productID: "p1", variantID: nil, quantity: 3), user: $0)
            })
            for (user, result) in zip(users, results) {
                expectFull("AddItem of \(user) in a batch") { try result.get() }
            }
            try freeSpace()
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1), user: "bob")
            for user in users where user != "alice" {
                #expect(try store.activeCart(userID: user) == nil, "\(user)'s refused first write created a cart")
            }
            #expect(try store.activeCart(userID: "alice")?.version == before.version)
            #expect(try store.getCart("alice").cart == before)
            #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        }
    }
}
