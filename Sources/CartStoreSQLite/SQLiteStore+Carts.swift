import CartCore
import GRDB

extension SQLiteStore: CartStore {
    /// The user's active cart, if one exists.
    public func activeCart(userID: String) throws -> StoredCart? {
        if let cached = carts.cart(userID: userID) { return cached }
        let token = carts.readToken(userID: userID)
        let cart = try readCart(userID: userID)
        if let cart { carts.offer(cart, token: token) }
        return cart
    }

    /// The user's active cart, created (version 1, empty) when there is none. Concurrent first calls
    /// create one cart: creation runs on the single writer and re-checks, and a unique index forbids a
    /// second active cart.
    public func getOrCreateActiveCart(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> (cart: StoredCart, created: Bool) {
        if let cart = try activeCart(userID: userID) { return (cart, false) }
        return try write { db in try loadOrCreate(userID: userID, currency: defaultCurrency, nowMs: nowMs,
                                                       isGuest: isGuest, db) }
    }

    /// The user's active cart (created if needed), priced against the live catalog.
    public func pricedCart(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> (cart: PricedCart, created: Bool) {
        // The cart and the catalog both unchanged since the last pricing: reuse it. The cached cart's
        // pricing is found with one lookup; otherwise the cart is loaded (or created) first.
        let epoch = catalog.epoch
        if let memo = carts.priced(userID: userID, catalogEpoch: epoch) { return (memo, false) }
        let (cart, created) = try getOrCreateActiveCart(userID: userID, defaultCurrency: defaultCurrency,
                                                        nowMs: nowMs, isGuest: isGuest)
        if let memo = carts.priced(cart, catalogEpoch: epoch) { return (memo, created) }
        let priced = try price(cart)
        carts.remember(priced, catalogEpoch: epoch)
        return (priced, created)
    }

    /// Prices a stored cart against the live catalog and the current reservations.
    public func price(_ cart: StoredCart) throws -> PricedCart {
        try catalog.read(for: cart.userID) { (catalog: UserCatalogView) throws(CartError) in
            try CartPricer.price(cart, catalog: catalog)
        }
    }

    /// Applies one cart command in one write transaction; see `CartStore.mutate`.
    public func mutate(_ mutation: CartMutation, rules: CartRules, encodeResult: (PricedCart) throws -> [UInt8])
        throws -> CartMutationOutcome {
        try write { db in try apply(mutation, rules: rules, encodeResult: encodeResult, db) }
    }

    /// Applies one cart command through the group-commit writer: the calling thread does not wait; the
    /// completion runs on the writer thread once the transaction holding the mutation committed.
    public func mutate(_ mutation: CartMutation, rules: CartRules,
                       encodeResult: @escaping @Sendable (PricedCart) throws -> [UInt8],
                       completion: @escaping @Sendable (Result<CartMutationOutcome, any Error>) -> Void) {
        batcher.submit(WriteBatcher.Job(
            body: { [self] db in try apply(mutation, rules: rules, encodeResult: encodeResult, db) },
            completion: completion))
    }

    private func apply(_ mutation: CartMutation, rules: CartRules, encodeResult: (PricedCart) throws -> [UInt8],
                       _ db: Database) throws -> CartMutationOutcome {
        if let replay = try Self.replay(mutation, retentionMs: options.idempotencyRetentionMs, db) {
            return .replayed(replay)
        }
        let (cart, created) = try loadOrCreate(userID: mutation.userID, currency: mutation.defaultCurrency,
                                               nowMs: mutation.nowMs, isGuest: mutation.isGuest, db)
        var ids = IDGenerator()
        let next = try catalog.read(for: mutation.userID) { (catalog: UserCatalogView) throws(CartError) in
            try rules.apply(mutation.command, to: cart, catalog: catalog, expectedVersion: mutation.expectedVersion,
                            nowMs: mutation.nowMs, ids: &ids)
        }
        return try finish(mutation, old: cart, new: next, created: created, encodeResult: encodeResult, db)
    }

    /// Moves the guest's active cart into the caller's and closes the guest cart, in one transaction.
    /// A guest with no active cart (already merged) changes nothing.
    public func mergeGuestCart(guestUserID: String, into mutation: CartMutation, rules: CartRules,
                               encodeResult: (PricedCart) throws -> [UInt8]) throws -> CartMutationOutcome {
        guard guestUserID != mutation.userID else {
            throw CartError.invalidField("guest_token", "a cart cannot be merged into itself")
        }
        return try write { db in
            if let replay = try Self.replay(mutation, retentionMs: options.idempotencyRetentionMs, db) {
                return .replayed(replay)
            }
            let (cart, created) = try loadOrCreate(userID: mutation.userID, currency: mutation.defaultCurrency,
                                                        nowMs: mutation.nowMs, isGuest: mutation.isGuest, db)
            var next = cart
            if let guest = try CartRows.activeCart(userID: guestUserID, db) {
                var ids = IDGenerator()
                next = try catalog.read(for: mutation.userID) { (catalog: UserCatalogView) throws(CartError) in
                    try rules.apply(.mergeGuest(lines: guest.lines), to: cart, catalog: catalog,
                                    expectedVersion: mutation.expectedVersion, nowMs: mutation.nowMs, ids: &ids)
                }
                var closed = guest
                closed.status = .merged
                closed.version += 1
                closed.updatedAtMs = mutation.nowMs
                closed.lines = guest.lines
                try save(closed, replacing: guest, db)
            }
            return try finish(mutation, old: cart, new: next, created: created, encodeResult: encodeResult, db)
        }
    }

    /// Deletes idempotency records created before `olderThanMs`.
    ///
    /// Records are appended in the order they are made, so the expired ones are the first rowids: the
    /// purge reads from the start of the table up to the first record still in retention and deletes
    /// what lies before it (the cost grows with what is deleted, not with the table). A record written
    /// after the wall clock stepped back waits behind the younger-dated record before it, at most the
    /// size of the step; a record in retention is never deleted, and an expired one that is still
    /// there is not replayed (``IdempotencyRecord/decide(existing:fingerprint:nowMs:retentionMs:)``).
    /// - Returns: How many were deleted.
    public func purgeIdempotencyRecords(olderThanMs: Int64) throws -> Int {
        try write { db in
            try db.execute(sql: """
                DELETE FROM idempotency_records WHERE rowid < coalesce(
                    (SELECT rowid FROM idempotency_records WHERE created_at_ms >= ? ORDER BY rowid LIMIT 1),
                    (SELECT max(rowid) + 1 FROM idempotency_records))
                """, arguments: [olderThanMs])
            return db.changesCount
        }
    }

    // MARK: Shared steps (inside a write transaction)

    /// The stored result when the mutation's idempotency key was used for the same request.
    private static func replay(_ mutation: CartMutation, retentionMs: Int64, _ db: Database) throws -> [UInt8]? {
        guard let idempotency = mutation.idempotency else { return nil }
        let existing = try IdempotencyRows.fetch(userID: mutation.userID, key: idempotency.key, db)
        switch try IdempotencyRecord.decide(existing: existing, fingerprint: idempotency.fingerprint,
                                            nowMs: mutation.nowMs, retentionMs: retentionMs) {
        case .replay(let result): return result
        case .execute: return nil
        }
    }

    /// The user's active cart, inserted (version 1, empty) when there is none; inside a write transaction.
    func loadOrCreate(userID: String, currency: String, nowMs: Int64, isGuest: Bool,
                              _ db: Database) throws -> (cart: StoredCart, created: Bool) {
        if let cart = try activeCartForWrite(userID: userID, db) { return (cart, false) }
        var ids = IDGenerator()
        let cart = StoredCart.new(id: ids.next(prefix: IDPrefix.cart), userID: userID, currency: currency,
                                  nowMs: nowMs, isGuest: isGuest)
        try insert(cart, db)
        return (cart, true)
    }

    /// The user's active cart as the write transaction in progress sees it.
    ///
    /// From the cart cache when this transaction has not written any cart of the user yet: the cache
    /// then holds exactly the last committed version (it is updated on the writer queue after every
    /// commit, before the next write starts, and a reader's offer never replaces a newer entry), which
    /// saves the join query. Otherwise — written in this transaction (an earlier mutation of the same
    /// group-commit batch), not cached, or the cache off — from the database. Should another process
    /// ever write the file, `CartRows.save` still refuses a stale version.
    private func activeCartForWrite(userID: String, _ db: Database) throws -> StoredCart? {
        let touched = writtenCarts { $0.contains { $0.userID == userID } }
        if !touched, let cached = carts.cart(userID: userID) { return cached }
        return try CartRows.activeCart(userID: userID, db)
    }

    /// Writes the new cart, prices it, stores the idempotency record.
    private func finish(_ mutation: CartMutation, old: StoredCart, new: StoredCart, created: Bool,
                        encodeResult: (PricedCart) throws -> [UInt8], _ db: Database) throws -> CartMutationOutcome {
        let changed = new != old
        if changed { try save(new, replacing: old, db) }
        let priced = try price(new)
        var encoded: [UInt8]?
        if let idempotency = mutation.idempotency {
            let bytes = try encodeResult(priced)
            try IdempotencyRows.store(IdempotencyRecord(
                userID: mutation.userID, key: idempotency.key, fingerprint: idempotency.fingerprint,
                result: bytes, createdAtMs: mutation.nowMs), db)
            encoded = bytes
        }
        return .applied(CartMutationResult(cart: new, priced: priced, created: created, changed: changed,
                                           encoded: encoded))
    }
}
