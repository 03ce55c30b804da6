import CartCore
import Foundation
import GRDB

/// Reading and writing carts and their lines as rows.
enum CartRows {
    /// The user's active cart with its lines, if any (one statement: the cart joined with its lines).
    static func activeCart(userID: String, _ db: Database) throws -> StoredCart? {
        let statement = try db.cachedStatement(sql: """
            SELECT c.id, c.version, c.currency_code, c.is_guest, c.created_at_ms, c.updated_at_ms,
                   i.id, i.product_id, i.variant_id, i.quantity, i.added_currency_code, i.added_unit_price_minor,
                   i.created_at_ms
            FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id
            WHERE c.user_id = ? AND c.status = 'active'
            ORDER BY i.rowid
            """)
        let rows = try Row.fetchCursor(statement, arguments: [userID])
        var cart: StoredCart?
        while let row = try rows.next() {
            if cart == nil {
                let version: Int64 = row[1]
                cart = StoredCart(id: row[0], userID: userID, version: UInt64(version), currencyCode: row[2], lines: [],
                                  createdAtMs: row[4], updatedAtMs: row[5], status: .active, isGuest: row[3])
            }
            guard let lineID: String = row[6] else { continue }
            let variant: String = row[8]
            cart!.lines.append(CartLine(
                id: lineID, productID: row[7], variantID: variant.isEmpty ? nil : variant, quantity: row[9],
                addedUnitPrice: Money(currencyCode: row[10], amountMinor: row[11]), createdAtMs: row[12]))
        }
        return cart
    }

    /// A cart's lines, in the order they were first added.
    static func lines(cartID: String, _ db: Database) throws -> [CartLine] {
        let statement = try db.cachedStatement(sql: """
            SELECT id, product_id, variant_id, quantity, added_currency_code, added_unit_price_minor, created_at_ms
            FROM cart_items WHERE cart_id = ? ORDER BY rowid
            """)
        var result: [CartLine] = []
        let rows = try Row.fetchCursor(statement, arguments: [cartID])
        while let row = try rows.next() {
            let variant: String = row[2]
            result.append(CartLine(
                id: row[0], productID: row[1], variantID: variant.isEmpty ? nil : variant, quantity: row[3],
                addedUnitPrice: Money(currencyCode: row[4], amountMinor: row[5]), createdAtMs: row[6]))
        }
        return result
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
        try db.cachedStatement(sql: """
            UPDATE carts SET version = ?, currency_code = ?, status = ?, updated_at_ms = ? WHERE id = ? AND version = ?
            """).execute(arguments: [Int64(new.version), new.currencyCode, new.status.rawValue, new.updatedAtMs, new.id,
                                     Int64(old.version)])
        guard db.changesCount == 1 else {
            throw StoreError(.other, detail: "cart \(new.id) changed under the writer (expected version \(old.version))")
        }
        var before: [String: CartLine] = [:]
        for line in old.lines { before[line.id] = line }
        for line in new.lines {
            if let previous = before.removeValue(forKey: line.id) {
                if previous != line { try update(line, db) }
            } else {
                try insert(line, cartID: new.id, db)
            }
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM cart_items WHERE id = ?")
        for removed in before.keys { try delete.execute(arguments: [removed]) }
    }

    private static func insert(_ line: CartLine, cartID: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, added_currency_code,
                                    added_unit_price_minor, created_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [line.id, cartID, line.productID, line.variantID ?? "", line.quantity,
                                     line.addedUnitPrice.currencyCode, line.addedUnitPrice.amountMinor, line.createdAtMs])
    }

    private static func update(_ line: CartLine, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE cart_items SET quantity = ?, added_currency_code = ?, added_unit_price_minor = ? WHERE id = ?
            """).execute(arguments: [line.quantity, line.addedUnitPrice.currencyCode, line.addedUnitPrice.amountMinor,
                                     line.id])
    }
}

/// Reading and writing idempotency records.
enum IdempotencyRows {
    /// The record stored under (user, key), if any.
    static func fetch(userID: String, key: String, _ db: Database) throws -> IdempotencyRecord? {
        let statement = try db.cachedStatement(sql: """
            SELECT fingerprint, result, created_at_ms FROM idempotency_records WHERE user_id = ? AND key = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [userID, key]) else { return nil }
        let result: [UInt8] = Array((row[1] as Data?) ?? Data())
        return IdempotencyRecord(userID: userID, key: key, fingerprint: IdempotencyFingerprint(storedValue: row[0]),
                                 result: result, createdAtMs: row[2])
    }

    /// Stores a record, replacing an expired one under the same key.
    static func store(_ record: IdempotencyRecord, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO idempotency_records (user_id, key, fingerprint, result, created_at_ms)
            VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [record.userID, record.key, record.fingerprint.value, Data(record.result),
                                     record.createdAtMs])
    }
}
