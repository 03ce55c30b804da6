// Idempotency records in the SQLite store: replay, conflict, per-user keys, retention and purging.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · idempotency")
struct IdempotencyStoreTests {
    static let addTea = CartCommand.add(productID: "p1", variantID: nil, quantity: 2)

    @Test func sameKeySameRequestReplaysTheFirstResult() throws {
        try withStore { store throws in
            let first = try store.apply(Self.addTea, key: "k1", nowMs: 1_000)
            let firstBytes = try encodeCart(first.priced)
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 1)
            let before = try store.dump()
            for nowMs: Int64 in [1_000, 2_000, 1_000 + IdempotencyKey.defaultRetentionMs - 1] {
                let again = try store.run(Self.addTea, key: "k1", nowMs: nowMs)
                #expect(again.replayedBytes == firstBytes)
            }
            #expect(try store.dump() == before, "a replay changes nothing")
            #expect(try store.activeCart(userID: "alice")?.version == 2)
            // The replay is decided before the version check: a retry whose expected_version was consumed.
            let conditional = try store.apply(.clear, expected: 2, key: "k2", nowMs: 3_000)
            #expect(conditional.cart.version == 3)
            #expect(try store.run(.clear, expected: 2, key: "k2", nowMs: 4_000).replayedBytes
                    == encodeCart(conditional.priced))
            #expect(try store.activeCart(userID: "alice")?.version == 3)
        }
    }

    @Test func theReplayIsTheStoredResultNotTheCurrentCart() throws {
        try withStore { store throws in
            let first = try store.apply(Self.addTea, key: "k1")
            try store.apply(.add(productID: "p4", variantID: nil, quantity: 1))
            var tea = Fixture.p1
            tea.price = Fixture.inr(1)
            _ = try store.upsertProducts([tea])
            let replay = try #require(try store.run(Self.addTea, key: "k1").replayedBytes)
            let decoded = try JSONDecoder().decode(PricedCart.self, from: Data(replay))
            #expect(decoded == first.priced && decoded.version == 2 && decoded.itemsCount == 1)
        }
    }

    @Test func sameKeyDifferentRequestIsRejected() throws {
        try withStore { store throws in
            try store.apply(Self.addTea, key: "k1")
            let others: [CartCommand] = [
                .add(productID: "p1", variantID: nil, quantity: 3), .add(productID: "p4", variantID: nil, quantity: 2),
                .clear, .remove(itemID: "item_x"),
            ]
            for command in others {
                try expectUnchanged(store, .invalidArgument, .idempotencyKeyConflict) {
                    try store.run(command, key: "k1", nowMs: 2_000)
                }
            }
            // The same command with another expected_version is another request.
            try expectUnchanged(store, .invalidArgument, .idempotencyKeyConflict) {
                try store.run(Self.addTea, expected: 2, key: "k1", nowMs: 2_000)
            }
            try expectUnchanged(store, .invalidArgument, .idempotencyKeyConflict) {
                try store.merge(guest: "guest-1", into: "alice", key: "k1", nowMs: 2_000)
            }
        }
    }

    @Test func keysArePerUser() throws {
        try withStore { store throws in
            let alice = try store.apply(Self.addTea, user: "alice", key: "shared")
            let bob = try store.apply(.add(productID: "p4", variantID: nil, quantity: 1), user: "bob", key: "shared")
            #expect(bob.created && bob.cart.version == 2 && bob.cart.lines[0].productID == "p4")
            let carol = try store.apply(Self.addTea, user: "carol", key: "shared")
            #expect(carol.cart.id != alice.cart.id, "the same request by another user runs again")
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records WHERE key = 'shared'") == 3)
            #expect(try store.run(Self.addTea, user: "alice", key: "shared").replayedBytes
                    == encodeCart(alice.priced))
        }
    }

    @Test func aFailedRequestStoresNoRecord() throws {
        try withStore { store throws in
            expectCartError(.invalidArgument) {
                try store.run(.add(productID: "p1", variantID: nil, quantity: 0), key: "k1")
            }
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 0)
            #expect(try store.apply(Self.addTea, key: "k1").cart.version == 2, "the key is still free")
        }
    }

    @Test func expiredRecordsAreNotReplayed() throws {
        var options = SQLiteStoreOptions()
        options.idempotencyRetentionMs = 1_000
        try withStore(options: options) { store throws in
            let first = try store.apply(Self.addTea, key: "k1", nowMs: 10_000)
            #expect(try store.run(Self.addTea, key: "k1", nowMs: 10_999).replayedBytes == encodeCart(first.priced))
            // At exactly the retention the record is gone: the request runs again.
            let second = try store.apply(Self.addTea, key: "k1", nowMs: 11_000)
            #expect(second.cart.version == 3 && second.cart.lines[0].quantity == 4)
            #expect(try store.count("SELECT created_at_ms FROM idempotency_records") == 11_000)
            #expect(try store.run(Self.addTea, key: "k1", nowMs: 11_500).replayedBytes == encodeCart(second.priced))
            // An expired key may be reused for a different request.
            let third = try store.apply(.clear, key: "k1", nowMs: 12_000)
            #expect(third.cart.version == 4 && third.cart.lines.isEmpty)
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 1)
        }
    }

    @Test("after the clock steps back, the purge still deletes only expired records")
    func purgeAfterTheClockSteppedBack() throws {
        try withStore { store throws in
            try store.apply(Self.addTea, user: "alice", key: "a", nowMs: 1_000)
            try store.apply(Self.addTea, user: "bob", key: "b", nowMs: 5_000)
            // The wall clock stepped back: later records carry earlier times.
            try store.apply(Self.addTea, user: "carol", key: "c", nowMs: 2_000)
            try store.apply(Self.addTea, user: "dave", key: "d", nowMs: 3_000)
            // bob's record is in retention: it and what was written after it stay.
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 4_000) == 1)
            let left = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT key FROM idempotency_records ORDER BY rowid")
            }
            #expect(left == ["b", "c", "d"])
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 5_001) == 3)
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 0)
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 9_000) == 0, "an empty table")
        }
    }

    @Test func purgeDeletesExactlyTheOldRecords() throws {
        try withStore { store throws in
            try store.apply(Self.addTea, user: "alice", key: "a", nowMs: 1_000)
            try store.apply(Self.addTea, user: "bob", key: "a", nowMs: 2_000)
            try store.apply(Self.addTea, user: "alice", key: "b", nowMs: 2_499)
            try store.apply(Self.addTea, user: "carol", key: "c", nowMs: 2_500)
            try store.apply(Self.addTea, user: "carol", key: "d", nowMs: 9_000)
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 500) == 0)
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 2_500) == 3)
            let left = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT user_id || '/' || key FROM idempotency_records ORDER BY 1")
            }
            #expect(left == ["carol/c", "carol/d"])
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 2_500) == 0)
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 9_000) == 1, "strictly older")
            #expect(try store.purgeIdempotencyRecords(olderThanMs: 9_001) == 1)
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 0)
            // Purged keys run again.
            #expect(try store.apply(Self.addTea, user: "bob", key: "a", nowMs: 9_500).cart.version == 3)
        }
    }

    @Test func anEmptyEncodedResultIsStoredAndReplayed() throws {
        try withStore { store throws in
            let mutation = SQLiteStore.mutation(Self.addTea, user: "alice", key: "k-empty")
            let first = try store.mutate(mutation, rules: Fixture.rules) { _ in [] }
            #expect(try first.applied().cart.version == 2)
            let again = try store.mutate(mutation, rules: Fixture.rules) { _ in [1, 2, 3] }
            #expect(again.replayedBytes == [])
            #expect(try store.activeCart(userID: "alice")?.version == 2)
        }
    }

    @Test func aThrowingEncoderRollsBackTheMutation() throws {
        struct EncodeFailure: Error {}
        try withStore { store throws in
            let before = try store.dump()
            let mutation = SQLiteStore.mutation(Self.addTea, user: "alice", key: "k1")
            #expect(throws: (any Error).self) {
                _ = try store.mutate(mutation, rules: Fixture.rules) { _ in throw EncodeFailure() }
            }
            #expect(try store.dump() == before)
        }
    }
}
