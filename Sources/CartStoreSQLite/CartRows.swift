import CartCore
import Foundation
import GRDB
import GRDBSQLite

/// Reading and writing carts and their lines as rows.
enum CartRows {
    /// The user's active cart joined with its lines. Columns: cart id, version, currency, is_guest,
    /// created, updated; then per line (NULL for a cart without lines) rowid, id, product, variant
    /// ('' for none), quantity, added currency, added unit price, created.
    ///
    /// No ORDER BY: the lines come in the order of the UNIQUE (cart_id, product_id, variant_id)
    /// index, and SQLite would sort them through a temporary B-tree on every read;
    /// ``activeCart(userID:statement:connection:)`` puts the few lines in rowid order itself.
    static let activeCartSQL = """
        SELECT c.id, c.version, c.currency_code, c.is_guest, c.created_at_ms, c.updated_at_ms,
               i.rowid, i.id, i.product_id, i.variant_id, i.quantity, i.added_currency_code,
               i.added_unit_price_minor, i.created_at_ms
        FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id
        WHERE c.user_id = ? AND c.status = 'active'
        """

    /// The user's active cart with its lines, if any, read on the transaction's connection.
    static func activeCart(userID: String, _ db: Database) throws -> StoredCart? {
        let statement = try db.cachedStatement(sql: activeCartSQL)
        return try activeCart(userID: userID, statement: statement.sqliteStatement, connection: db.sqliteConnection!)
    }

    /// Runs ``activeCartSQL`` (prepared as `statement` on `connection`) through SQLite's C API and
    /// decodes the rows: the user's active cart with its lines in the order they were first added.
    ///
    /// Used on GRDB's writer and on ``CartReadConnections``; the caller owns the connection for the
    /// duration. The statement is left reset, with no binding.
    /// - Throws: `DatabaseError` with SQLite's result code.
    static func activeCart(userID: String, statement: OpaquePointer, connection: OpaquePointer) throws
        -> StoredCart? {
        try userID.withCString { user throws -> StoredCart? in
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            // SQLITE_STATIC (nil destructor): `user` outlives the statement's use of it (reset above).
            sqlite3_bind_text(statement, 1, user, -1, nil)
            var cart: StoredCart?
            var rowIDs: [Int64] = []
            var inRowIDOrder = true
            while true {
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: status),
                                        message: String(cString: sqlite3_errmsg(connection)), sql: activeCartSQL)
                }
                if cart == nil {
                    cart = StoredCart(
                        id: RawSQL.text(statement, 0), userID: userID, version: UInt64(sqlite3_column_int64(statement, 1)),
                        currencyCode: RawSQL.text(statement, 2), lines: [], createdAtMs: sqlite3_column_int64(statement, 4),
                        updatedAtMs: sqlite3_column_int64(statement, 5), status: .active,
                        isGuest: sqlite3_column_int64(statement, 3) != 0)
                    cart!.lines.reserveCapacity(8)
                }
                guard sqlite3_column_type(statement, 6) != SQLITE_NULL else { continue }  // a cart without lines
                let rowID = sqlite3_column_int64(statement, 6)
                if let last = rowIDs.last, last > rowID { inRowIDOrder = false }
                rowIDs.append(rowID)
                let variant = RawSQL.text(statement, 9)
                cart!.lines.append(CartLine(
                    id: RawSQL.text(statement, 7), productID: RawSQL.text(statement, 8),
                    variantID: variant.isEmpty ? nil : variant,
                    quantity: sqlite3_column_int64(statement, 10),
                    addedUnitPrice: Money(currencyCode: RawSQL.text(statement, 11),
                                          amountMinor: sqlite3_column_int64(statement, 12)),
                    createdAtMs: sqlite3_column_int64(statement, 13)))
            }
            if !inRowIDOrder, var found = cart {
                found.lines = zip(rowIDs, found.lines).sorted { $0.0 < $1.0 }.map(\.1)
                cart = found
            }
            return cart
        }
    }

    /// Inserts a new cart row (no lines).
    static func insert(_ cart: StoredCart, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO carts (id, user_id, status, is_guest, version, currency_code, created_at_ms, updated_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [cart.id, cart.userID, cart.status.rawValue, cart.isGuest, Int64(cart.version),
                                     cart.currencyCode, cart.createdAtMs, cart.updatedAtMs])
    }

    /// Writes the difference between `old` and `new` (same cart): the cart row and changed lines.
    /// - Throws: ``StoreError`` when the row is not at `old.version` any more (a concurrent writer; cannot
    ///   happen with the single writer, checked anyway).
    static func save(_ new: StoredCart, replacing old: StoredCart, _ db: Database) throws {
        let changed: Int
        if new.status == old.status, new.currencyCode == old.currencyCode {
            // The common case. Setting `status` would rewrite the cart's entry in the partial index
            // carts_one_active_per_user (one more page per commit) even with the same value.
            changed = try RawSQL.execute(db.cachedStatement(sql: updateVersionSQL), .integer(Int64(new.version)),
                                         .integer(new.updatedAtMs), .text(new.id), .integer(Int64(old.version)), in: db)
        } else {
            changed = try RawSQL.execute(db.cachedStatement(sql: """
                UPDATE carts SET version = ?, currency_code = ?, status = ?, updated_at_ms = ? WHERE id = ? AND version = ?
                """), .integer(Int64(new.version)), .text(new.currencyCode), .text(new.status.rawValue),
                .integer(new.updatedAtMs), .text(new.id), .integer(Int64(old.version)), in: db)
        }
        guard changed == 1 else {
            throw StoreError(.other, detail: "cart \(new.id) changed under the writer (expected version \(old.version))")
        }
        var before: [String: CartLine] = [:]
        for line in old.lines { before[line.id] = line }
        for line in new.lines {
            if let previous = before.removeValue(forKey: line.id) {
                if previous != line { try update(line, cartID: new.id, db) }
            } else {
                try insert(line, cartID: new.id, db)
            }
        }
        // A line is found within its cart, through UNIQUE (cart_id, product_id, variant_id): ids have
        // no index of their own.
        let delete = try db.cachedStatement(sql: "DELETE FROM cart_items WHERE cart_id = ? AND id = ?")
        for removed in before.keys { try RawSQL.execute(delete, .text(new.id), .text(removed), in: db) }
    }

    /// The cart row's update when only its version and time change (the SQL of every plain mutation).
    static let updateVersionSQL = "UPDATE carts SET version = ?, updated_at_ms = ? WHERE id = ? AND version = ?"

    private static func insert(_ line: CartLine, cartID: String, _ db: Database) throws {
        try RawSQL.execute(db.cachedStatement(sql: """
            INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, added_currency_code,
                                    added_unit_price_minor, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """), .text(line.id), .text(cartID), .text(line.productID), .text(line.variantID ?? ""),
            .integer(line.quantity), .text(line.addedUnitPrice.currencyCode), .integer(line.addedUnitPrice.amountMinor),
            .integer(line.createdAtMs), in: db)
    }

    private static func update(_ line: CartLine, cartID: String, _ db: Database) throws {
        try RawSQL.execute(db.cachedStatement(sql: """
            UPDATE cart_items SET quantity = ?, added_currency_code = ?, added_unit_price_minor = ?
            WHERE cart_id = ? AND id = ?
            """), .integer(line.quantity), .text(line.addedUnitPrice.currencyCode),
            .integer(line.addedUnitPrice.amountMinor), .text(cartID), .text(line.id), in: db)
    }
}

/// Reading and writing idempotency records.
enum IdempotencyRows {
    /// The record stored under (user, key), if any.
    static func fetch(userID: String, key: String, _ db: Database) throws -> IdempotencyRecord? {
        let statement = try db.cachedStatement(sql: """
            SELECT fingerprint, result, created_at_ms FROM idempotency_records WHERE user_id = ? AND key = ?
            """)
        return try RawSQL.firstRow(statement, .text(userID), .text(key), in: db) { row in
            guard let row else { return nil }
            return IdempotencyRecord(userID: userID, key: key,
                                     fingerprint: IdempotencyFingerprint(storedValue: RawSQL.text(row, 0)),
                                     result: RawSQL.bytes(row, 1), createdAtMs: sqlite3_column_int64(row, 2))
        }
    }

    /// Stores a record, replacing an expired one under the same key.
    static func store(_ record: IdempotencyRecord, _ db: Database) throws {
        try RawSQL.execute(db.cachedStatement(sql: """
            INSERT OR REPLACE INTO idempotency_records (user_id, key, fingerprint, result, created_at_ms)
            VALUES (?, ?, ?, ?, ?)
            """), .text(record.userID), .text(record.key), .text(record.fingerprint.value), .blob(record.result),
            .integer(record.createdAtMs), in: db)
    }
}
