// Opening the store: migrations from zero and on reopen, WAL mode, the synchronous setting.

import CartCore
import Foundation
import GRDB
import Testing

@testable import CartStoreSQLite

@Suite("SQLiteStore · migrations and pragmas")
struct MigrationTests {
    /// The cart store's migrations, first and in this order; later ones (payments, …) follow them.
    static let cartMigrations = ["2026-11-24 catalog", "2026-11-24 carts", "2026-11-24 idempotency"]
    static var migrations: [String] { Migrations.migrator.migrations }

    @Test func migratesAnEmptyFileFromZero() throws {
        try withTempDatabasePath { path throws in
            #expect(!FileManager.default.fileExists(atPath: path))
            let store = try SQLiteStore(path: path)
            #expect(try store.appliedMigrations() == Self.migrations)
            #expect(Array(Self.migrations.prefix(3)) == Self.cartMigrations)
            let tables = try store.pool.read { db in
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name")
            }
            let cartTables: Set = ["cart_items", "carts", "idempotency_records", "product_variants", "products"]
            #expect(cartTables.isSubset(of: tables))
            #expect(try store.listProducts(afterID: nil, limit: 10).isEmpty)
        }
    }

    @Test func reopeningAppliesNothingNewAndKeepsData() throws {
        try withTempDatabasePath { path throws in
            let cartID: String
            do {
                let store = try SQLiteStore(path: path)
                _ = try store.upsertProducts(Fixture.products)
                cartID = try store.apply(.add(productID: "p1", variantID: nil, quantity: 2)).cart.id
            }
            let store = try SQLiteStore(path: path)
            #expect(try store.appliedMigrations() == Self.migrations)
            #expect(try store.count("SELECT COUNT(*) FROM grdb_migrations") == Self.migrations.count)
            #expect(try store.product(id: "p2") == Fixture.p2)
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.id == cartID && cart.version == 2 && cart.lines.map(\.quantity) == [2])
        }
    }

    @Test("a cart's lines are found through an index, not a scan (cart_items_by_cart is gone)")
    func cartLineLookupsUseAnIndex() throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let plans = try store.pool.read { db in
                let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cart_items'")
                #expect(!indexes.contains("cart_items_by_cart"))
                return try [
                    "SELECT * FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id WHERE c.user_id = 'alice' AND c.status = 'active'",
                    "SELECT * FROM cart_items WHERE cart_id = 'x'",
                    "DELETE FROM cart_items WHERE cart_id = 'x'",
                ].map { sql in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
                }
            }
            for plan in plans {
                #expect(!plan.contains("SCAN i") && !plan.contains("SCAN cart_items"), "\(plan)")
                #expect(plan.contains("INDEX sqlite_autoindex_cart_items"), "\(plan)")
            }
        }
    }

    @Test("idempotency records move to a rowid table keyed by a unique index, and keep replaying")
    func idempotencyRecordsMoveToARowidTable() throws {
        try withTempDatabasePath { path throws in
            let tea = CartCommand.add(productID: "p1", variantID: nil, quantity: 2)
            do {
                // A database as the previous release left it, with two records in the WITHOUT ROWID table.
                let queue = try DatabaseQueue(path: path)
                try Migrations.migrator.migrate(queue, upTo: "2026-11-25 drop cart_items_by_cart")
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO idempotency_records VALUES (?, ?, ?, ?, ?)", arguments: [
                        "alice", "k1", IdempotencyFingerprint.cart(tea, expectedVersion: 0).value, Data([1, 2, 3]),
                        1_000,
                    ])
                    try db.execute(sql: "INSERT INTO idempotency_records VALUES (?, ?, ?, ?, ?)", arguments: [
                        "bob", "k1", IdempotencyFingerprint.cart(.clear, expectedVersion: 0).value, Data([4]), 2_000,
                    ])
                }
            }
            let store = try SQLiteStore(path: path)
            _ = try store.upsertProducts(Fixture.products)
            let schema = try store.pool.read { db in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'idempotency_records'")
            }
            #expect(schema?.contains("WITHOUT ROWID") == false, "\(schema ?? "")")
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records") == 2)
            // Both records still answer: alice's replays its stored bytes, bob's refuses another request.
            #expect(try store.run(tea, key: "k1", nowMs: 1_500).replayedBytes == [1, 2, 3])
            try expectUnchanged(store, .invalidArgument, .idempotencyKeyConflict) {
                try store.run(tea, user: "bob", key: "k1", nowMs: 2_500)
            }
            #expect(try store.activeCart(userID: "alice") == nil, "a replay applies nothing")
            // The copy kept every column; both indexes exist.
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records WHERE user_id = 'bob' AND key = 'k1' AND result = x'04' AND created_at_ms = 2000") == 1)
            let indexes = try store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'idempotency_records' ORDER BY name")
            }
            // (The index by age that this migration made is dropped by a later one.)
            #expect(indexes == ["idempotency_records_by_key"])
            // The key stays unique: a plain second insert under it fails, INSERT OR REPLACE (what the store
            // runs for an expired record) replaces the record.
            try store.pool.writeWithoutTransaction { db in
                #expect(throws: DatabaseError.self) {
                    try db.execute(sql: "INSERT INTO idempotency_records VALUES ('alice', 'k1', 'f', x'00', 3000)")
                }
                try db.execute(sql: "INSERT OR REPLACE INTO idempotency_records (user_id, key, fingerprint, result, created_at_ms) VALUES ('alice', 'k1', 'f', x'05', 3000)")
            }
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records WHERE user_id = 'alice' AND key = 'k1'") == 1)
            #expect(try store.count("SELECT COUNT(*) FROM idempotency_records WHERE key = 'k1' AND result = x'05' AND created_at_ms = 3000") == 1)
            // Lookups by key use the new index.
            let plan = try store.pool.read { db in
                try Row.fetchAll(db, sql: """
                    EXPLAIN QUERY PLAN SELECT fingerprint, result, created_at_ms FROM idempotency_records
                    WHERE user_id = 'alice' AND key = 'k1'
                    """).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(plan.contains("USING INDEX idempotency_records_by_key"), "\(plan)")
        }
    }

    @Test("cart lines move to a table without an index on their id, keeping rowids, order and columns")
    func cartLinesLoseTheirIdIndex() throws {
        try withTempDatabasePath { path throws in
            do {
                // A database as the previous release left it: a cart whose lines' rowids are not in
                // product order, so the copy must keep them for the cart to read back in order.
                let queue = try DatabaseQueue(path: path)
                try Migrations.migrator.migrate(queue, upTo: "2026-11-25 idempotency records in a rowid table")
                try queue.write { db in
                    try db.execute(sql: """
                        INSERT INTO carts VALUES ('cart_1', 'alice', 'active', 0, 3, 'INR', 1000, 2000);
                        INSERT INTO cart_items (rowid, id, cart_id, product_id, variant_id, quantity,
                            added_currency_code, added_unit_price_minor, created_at_ms)
                            VALUES (7, 'item_b', 'cart_1', 'p2', 'v1', 2, 'INR', 105000, 1500),
                                   (9, 'item_a', 'cart_1', 'p1', '', 1, 'INR', 49900, 1700);
                        """)
                }
            }
            let store = try SQLiteStore(path: path)
            _ = try store.upsertProducts(Fixture.products)
            let cart = try #require(try store.activeCart(userID: "alice"))
            #expect(cart.version == 3 && cart.lines.map(\.id) == ["item_b", "item_a"])
            #expect(cart.lines[0] == CartLine(id: "item_b", productID: "p2", variantID: "v1", quantity: 2,
                                              addedUnitPrice: Money(currencyCode: "INR", amountMinor: 105_000),
                                              createdAtMs: 1_500))
            #expect(try store.count("SELECT COUNT(*) FROM cart_items WHERE rowid IN (7, 9)") == 2)
            let indexes = try store.pool.read { db in
                try Row.fetchAll(db, sql: "PRAGMA index_list(cart_items)").map { $0["origin"] as String }
            }
            #expect(indexes == ["u"], "only UNIQUE (cart_id, product_id, variant_id): \(indexes)")
            // The foreign key to carts still holds, and still cascades.
            try store.pool.writeWithoutTransaction { db in
                #expect(throws: DatabaseError.self) {
                    try db.execute(sql: "INSERT INTO cart_items VALUES ('item_x', 'cart_none', 'p1', '', 1, 'INR', 1, 1)")
                }
                try db.execute(sql: "DELETE FROM carts WHERE id = 'cart_1'")
            }
            #expect(try store.count("SELECT COUNT(*) FROM cart_items") == 0)
        }
    }

    @Test("updating and removing a line find it within its cart through the cart's index")
    func lineWritesUseTheCartIndex() throws {
        try withStore { store throws in
            try store.apply(.add(productID: "p1", variantID: nil, quantity: 1))
            let plans = try store.pool.read { db in
                try ["UPDATE cart_items SET quantity = 2 WHERE cart_id = 'x' AND id = 'y'",
                     "DELETE FROM cart_items WHERE cart_id = 'x' AND id = 'y'"].map { sql in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                        .joined(separator: "; ")
                }
            }
            for plan in plans {
                #expect(plan.contains("USING INDEX sqlite_autoindex_cart_items_1 (cart_id=?)"), "\(plan)")
            }
        }
    }

    @Test("synchronous follows the options", arguments: [
        (SQLiteStoreOptions.Synchronous.normal, 1), (.full, 2),
    ])
    func synchronousSetting(mode: SQLiteStoreOptions.Synchronous, expected: Int) throws {
        var options = SQLiteStoreOptions()
        options.synchronous = mode
        try withStore(options: options, catalog: []) { store throws in
            #expect(try store.synchronousSetting() == expected)
            // Still so after other writes went through the writer connection.
            _ = try store.upsertProducts([Fixture.p1])
            #expect(try store.synchronousSetting() == expected)
        }
    }

    @Test func theWriterStartsTheWALOverAtTheConfiguredSize() throws {
        // Background checkpoints off: only the writer's own checkpoint lets the WAL start over, and the
        // WAL file keeps the largest size it reached.
        func walFile(pages: Int) throws -> (setting: Int, bytes: Int) {
            var options = SQLiteStoreOptions()
            options.backgroundCheckpoints = false
            options.walAutocheckpointPages = pages
            return try withStore(options: options) { store throws in
                for index in 0..<300 {
                    _ = try store.run(.add(productID: "p1", variantID: nil, quantity: 1), user: "user-\(index % 20)",
                                      key: "k\(index)")
                }
                let attributes = try FileManager.default.attributesOfItem(atPath: store.path + "-wal")
                // The writer connection's own setting (the pragma is per connection).
                let setting = try store.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
                return (setting, (attributes[.size] as? Int) ?? -1)
            }
        }
        let frame = 24 + 4_096
        let small = try walFile(pages: 20)
        #expect(small.setting == 20)
        // 20 pages, plus the frames of the one transaction that crossed the limit.
        #expect(small.bytes > 0 && small.bytes < 40 * frame, "\(small.bytes) bytes")
        let standard = try walFile(pages: SQLiteStoreOptions().walAutocheckpointPages)
        #expect(standard.setting == 40_000)
        // Every mutation writes at least one new page: 300 of them without a restart.
        #expect(standard.bytes > 300 * frame, "\(standard.bytes) bytes")
    }

    @Test func walModeIsOn() throws {
        try withTempDatabasePath { path throws in
            let store = try SQLiteStore(path: path)
            #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            // An independent read-only connection sees the mode recorded in the file.
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            #expect(try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") } == 1)
        }
    }

    @Test func defaultOptions() {
        let options = SQLiteStoreOptions()
        #expect(options.synchronous == .normal)
        #expect(options.idempotencyRetentionMs == 24 * 60 * 60 * 1000)
    }

    @Test func anUnopenableFileIsAStoreError() throws {
        try withTempDatabasePath { path throws in
            // A directory where the file should be.
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
        }
    }

    @Test func aFileThatIsNotADatabaseIsCorrupt() throws {
        try withTempDatabasePath { path throws in
            try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: path))
            do {
                _ = try SQLiteStore(path: path)
                Issue.record("opening garbage should fail")
            } catch let error as StoreError {
                #expect(error.reason == .corrupt, "\(error.detail)")
                #expect(error.kind == .internal && error.message == "internal error")
            }
        }
    }
}
