import GRDB

/// The schema, as append-only, string-named migrations. A migration is never edited once shipped:
/// changes come as new migrations appended below.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("2026-11-24 catalog") { db in
            try db.execute(sql: """
                CREATE TABLE products (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    currency_code TEXT NOT NULL,
                    price_minor INTEGER NOT NULL,
                    active INTEGER NOT NULL,
                    stock INTEGER NOT NULL CHECK (stock >= 0),
                    updated_at_ms INTEGER NOT NULL
                );
                CREATE TABLE product_variants (
                    id TEXT PRIMARY KEY NOT NULL,
                    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    additional_price_minor INTEGER NOT NULL,
                    active INTEGER NOT NULL,
                    stock INTEGER NOT NULL CHECK (stock >= 0)
                );
                CREATE INDEX product_variants_by_product ON product_variants(product_id, position);
                """)
        }

        migrator.registerMigration("2026-11-24 carts") { db in
            // Cart lines carry no foreign key to products: deleting a product must never break a
            // cart (its lines turn unavailable). variant_id is '' for none, so the UNIQUE
            // constraint also covers lines without a variant (NULLs would all be distinct).
            try db.execute(sql: """
                CREATE TABLE carts (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'merged')),
                    is_guest INTEGER NOT NULL,
                    version INTEGER NOT NULL CHECK (version >= 1),
                    currency_code TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX carts_one_active_per_user ON carts(user_id) WHERE status = 'active';
                CREATE INDEX carts_by_user ON carts(user_id, created_at_ms);
                CREATE TABLE cart_items (
                    id TEXT PRIMARY KEY NOT NULL,
                    cart_id TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
                    product_id TEXT NOT NULL,
                    variant_id TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity >= 1),
                    added_currency_code TEXT NOT NULL,
                    added_unit_price_minor INTEGER NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    UNIQUE (cart_id, product_id, variant_id)
                );
                CREATE INDEX cart_items_by_cart ON cart_items(cart_id);
                """)
        }

        migrator.registerMigration("2026-11-24 idempotency") { db in
            try db.execute(sql: """
                CREATE TABLE idempotency_records (
                    user_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    result BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    PRIMARY KEY (user_id, key)
                ) WITHOUT ROWID;
                CREATE INDEX idempotency_records_by_age ON idempotency_records(created_at_ms);
                """)
        }

        migrator.registerMigration("2026-11-24 payments") { db in
            // Snapshots (items, addresses) are JSON of the domain types: an order keeps what was paid
            // for, whatever happens to the catalog later.
            try db.execute(sql: """
                CREATE TABLE payments (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL,
                    cart_id TEXT NOT NULL,
                    cart_version INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('created', 'paid', 'failed', 'cancelled', 'expired')),
                    currency_code TEXT NOT NULL,
                    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
                    payment_method TEXT NOT NULL,
                    gateway TEXT NOT NULL,
                    gateway_order_id TEXT NOT NULL,
                    gateway_key_id TEXT NOT NULL,
                    gateway_payment_id TEXT,
                    items_json BLOB NOT NULL,
                    shipping_json BLOB NOT NULL,
                    billing_json BLOB NOT NULL,
                    status_reason TEXT NOT NULL DEFAULT '',
                    order_id TEXT,
                    created_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    expires_at_ms INTEGER NOT NULL
                );
                CREATE INDEX payments_by_user ON payments(user_id, created_at_ms);
                CREATE INDEX payments_by_cart ON payments(cart_id, status);
                CREATE INDEX payments_pending_by_expiry ON payments(expires_at_ms) WHERE status = 'created';
                CREATE UNIQUE INDEX payments_by_gateway_order ON payments(gateway, gateway_order_id);
                CREATE TABLE stock_reservations (
                    payment_id TEXT NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
                    product_id TEXT NOT NULL,
                    variant_id TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    PRIMARY KEY (payment_id, product_id, variant_id)
                ) WITHOUT ROWID;
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY NOT NULL,
                    payment_id TEXT NOT NULL UNIQUE REFERENCES payments(id),
                    user_id TEXT NOT NULL,
                    cart_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    currency_code TEXT NOT NULL,
                    total_minor INTEGER NOT NULL,
                    items_json BLOB NOT NULL,
                    shipping_json BLOB NOT NULL,
                    billing_json BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL
                );
                CREATE INDEX orders_by_user ON orders(user_id, created_at_ms, id);
                CREATE TABLE gateway_events (
                    gateway TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    payment_id TEXT,
                    received_at_ms INTEGER NOT NULL,
                    PRIMARY KEY (gateway, event_id)
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration("2026-11-25 drop cart_items_by_cart") { db in
            // The UNIQUE (cart_id, product_id, variant_id) index already serves every lookup by cart_id
            // (the join of a cart with its lines, the foreign key's cascade); the second index only cost
            // a page write per line inserted or removed.
            try db.execute(sql: "DROP INDEX cart_items_by_cart")
        }

        migrator.registerMigration("2026-11-25 idempotency records in a rowid table") { db in
            // WITHOUT ROWID kept each record (its stored reply, ~0.5 KB) in the (user_id, key) B-tree
            // itself: a few records per page, each insert at a random place, and a page split every
            // other insert. In a rowid table records are appended in order, and the (user_id, key)
            // index holds only the keys: per record about half the WAL bytes (~13 → ~7 KiB measured).
            try db.execute(sql: """
                CREATE TABLE idempotency_records_rowid (
                    user_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    result BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL
                );
                INSERT INTO idempotency_records_rowid (user_id, key, fingerprint, result, created_at_ms)
                    SELECT user_id, key, fingerprint, result, created_at_ms FROM idempotency_records
                    ORDER BY created_at_ms;
                DROP TABLE idempotency_records;
                ALTER TABLE idempotency_records_rowid RENAME TO idempotency_records;
                CREATE UNIQUE INDEX idempotency_records_by_key ON idempotency_records(user_id, key);
                CREATE INDEX idempotency_records_by_age ON idempotency_records(created_at_ms);
                """)
        }

        migrator.registerMigration("2026-12-07 cart lines without an index on their id") { db in
            // The PRIMARY KEY on cart_items.id was a second unique index next to UNIQUE (cart_id,
            // product_id, variant_id): a page write per line inserted or removed at a random place
            // (ids are random), and, with millions of lines, a page read too. Lines are only ever
            // looked up within their cart (user isolation), so the store finds one by (cart_id, id)
            // through the cart's index; ids stay unique within a cart (CartRules mints them). The copy
            // keeps each line's rowid, which orders a cart's lines.
            try db.execute(sql: """
                CREATE TABLE cart_items_by_cart (
                    id TEXT NOT NULL,
                    cart_id TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
                    product_id TEXT NOT NULL,
                    variant_id TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity >= 1),
                    added_currency_code TEXT NOT NULL,
                    added_unit_price_minor INTEGER NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    UNIQUE (cart_id, product_id, variant_id)
                );
                INSERT INTO cart_items_by_cart (rowid, id, cart_id, product_id, variant_id, quantity,
                                                added_currency_code, added_unit_price_minor, created_at_ms)
                    SELECT rowid, id, cart_id, product_id, variant_id, quantity, added_currency_code,
                           added_unit_price_minor, created_at_ms
                    FROM cart_items ORDER BY rowid;
                DROP TABLE cart_items;
                ALTER TABLE cart_items_by_cart RENAME TO cart_items;
                """)
        }

        migrator.registerMigration("2026-12-07 idempotency records purged in rowid order") { db in
            // Records are appended in the order they are made, so the oldest are the first rowids:
            // the purge walks them from the start (SQLiteStore.purgeIdempotencyRecords) and the index
            // by age, one more page write per record, is not needed.
            try db.execute(sql: "DROP INDEX idempotency_records_by_age")
        }

        return migrator
    }
}
