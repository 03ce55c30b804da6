import CartCore
import GRDB

extension SQLiteStore: PaymentStore {
    /// The user's cart priced (own reservations excluded) and its pending payment for this exact version.
    public func checkoutSnapshot(userID: String, defaultCurrency: String, nowMs: Int64, isGuest: Bool) throws
        -> CheckoutSnapshot {
        let (cart, _) = try getOrCreateActiveCart(userID: userID, defaultCurrency: defaultCurrency, nowMs: nowMs,
                                                  isGuest: isGuest)
        let priced = try price(cart)
        let pending = try read { db in try PaymentRows.pending(cartID: cart.id, db) }
            .first { $0.cartVersion == cart.version && $0.expiresAtMs > nowMs }
        return CheckoutSnapshot(cart: priced, pendingForVersion: pending)
    }

    /// Inserts the payment and its reservation; see `PaymentStore.createPayment`.
    public func createPayment(_ draft: PaymentDraft, idempotency: IdempotencyRequest?,
                              encodeResult: (Payment) throws -> [UInt8]) throws -> PaymentCreation {
        try write(touchesCatalog: true) { db in
            if let idempotency {
                let existing = try IdempotencyRows.fetch(userID: draft.userID, key: idempotency.key, db)
                if case .replay(let bytes) = try IdempotencyRecord.decide(
                    existing: existing, fingerprint: idempotency.fingerprint, nowMs: draft.nowMs,
                    retentionMs: options.idempotencyRetentionMs) {
                    return .replayed(bytes)
                }
            }
            guard let cart = try CartRows.activeCart(userID: draft.userID, db), cart.id == draft.cart.id,
                  cart.version == draft.cart.version else {
                let current = try CartRows.activeCart(userID: draft.userID, db)?.version ?? 0
                throw CheckoutError.cartChanged(current: current)
            }
            let pending = try PaymentRows.pending(cartID: cart.id, db)
            if let same = pending.first(where: { $0.cartVersion == cart.version && $0.expiresAtMs > draft.nowMs }) {
                return .existing(same)
            }
            var cancelled: [Payment] = []
            for var older in pending {
                older.status = .cancelled
                older.statusReason = "replaced by a newer checkout of the cart"
                older.updatedAtMs = draft.nowMs
                try release(older, db)
                try PaymentRows.updateStatus(older, db)
                cancelled.append(older)
            }
            // Priced again inside the transaction, now that older reservations are released: stock
            // taken by others since the snapshot shows up as a problem here.
            let priced = try price(cart)
            try CheckoutRules().validateCart(priced, currencyCode: "")
            guard priced.totalPrice == draft.cart.totalPrice, priced.items == draft.cart.items else {
                throw CheckoutError.cartChanged(current: cart.version)
            }
            let payment = Payment(
                id: draft.id, cartID: cart.id, userID: draft.userID, status: .created, amount: priced.totalPrice,
                paymentMethod: draft.paymentMethod, gateway: draft.gateway, gatewayOrderID: draft.gatewayOrderID,
                gatewayKeyID: draft.gatewayKeyID, items: priced.items, shippingAddress: draft.shippingAddress,
                billingAddress: draft.billingAddress, createdAtMs: draft.nowMs, expiresAtMs: draft.expiresAtMs,
                cartVersion: cart.version, updatedAtMs: draft.nowMs)
            try PaymentRows.insert(payment, db)
            try PaymentRows.insertReservations(payment, db)
            catalog.update { state in
                for (key, units) in PaymentRows.reservationUnits(payment) {
                    state.reserve(userID: payment.userID, key: key, units: units)
                }
            }
            if let idempotency {
                try IdempotencyRows.store(IdempotencyRecord(
                    userID: draft.userID, key: idempotency.key, fingerprint: idempotency.fingerprint,
                    result: try encodeResult(payment), createdAtMs: draft.nowMs), db)
            }
            return .created(payment, cancelled: cancelled)
        }
    }

    /// The stored reply for a key used before with the same request.
    public func idempotentReply(userID: String, request: IdempotencyRequest, nowMs: Int64) throws -> [UInt8]? {
        try read { db in
            let existing = try IdempotencyRows.fetch(userID: userID, key: request.key, db)
            switch try IdempotencyRecord.decide(existing: existing, fingerprint: request.fingerprint, nowMs: nowMs,
                                                retentionMs: options.idempotencyRetentionMs) {
            case .replay(let bytes): return bytes
            case .execute: return nil
            }
        }
    }

    /// A payment by id.
    public func payment(id: String) throws -> Payment? {
        try read { db in try PaymentRows.fetch(id: id, db) }
    }

    /// A payment by gateway order id.
    public func payment(gateway: String, gatewayOrderID: String) throws -> Payment? {
        try read { db in try PaymentRows.fetch(gateway: gateway, orderID: gatewayOrderID, db) }
    }

    /// Completes a payment; see `PaymentStore.completePayment`.
    public func completePayment(id: String, gatewayPaymentID: String, orderID: String, nowMs: Int64) throws
        -> PaymentCompletion {
        try write(touchesCatalog: true) { db in
            guard let payment = try PaymentRows.fetch(id: id, db) else { throw CheckoutError.paymentNotFound(id) }
            return try complete(payment, gatewayPaymentID: gatewayPaymentID, orderID: orderID, nowMs: nowMs, db)
        }
    }

    /// Cancels a CREATED payment of `userID`.
    public func cancelPayment(id: String, userID: String, reason: String, nowMs: Int64) throws -> Payment {
        try write(touchesCatalog: true) { db in
            guard var payment = try PaymentRows.fetch(id: id, db), payment.userID == userID else {
                throw CheckoutError.paymentNotFound(id)
            }
            guard payment.status == .created else { throw CheckoutError.wrongState(payment, action: "cancelled") }
            payment.status = .cancelled
            payment.statusReason = reason
            payment.updatedAtMs = nowMs
            try release(payment, db)
            try PaymentRows.updateStatus(payment, db)
            return payment
        }
    }

    /// Expires CREATED payments past their expiry.
    public func expirePayments(nowMs: Int64) throws -> [Payment] {
        try write(touchesCatalog: true) { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(PaymentRows.paymentColumns) FROM payments WHERE status = 'created' AND expires_at_ms <= ?
                """)
            var expired: [Payment] = []
            for var payment in try Row.fetchAll(statement, arguments: [nowMs]).map(PaymentRows.payment) {
                payment.status = .expired
                payment.statusReason = "not paid before the reservation ended"
                payment.updatedAtMs = nowMs
                try release(payment, db)
                try PaymentRows.updateStatus(payment, db)
                expired.append(payment)
            }
            return expired
        }
    }

    /// Applies a gateway event once; see `PaymentStore.handleGatewayEvent`.
    public func handleGatewayEvent(gateway: String, eventID: String, gatewayOrderID: String?,
                                   action: GatewayEventAction, orderID: String, nowMs: Int64) throws
        -> GatewayEventOutcome {
        try write(touchesCatalog: true) { db in
            let seen = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT payment_id FROM gateway_events WHERE gateway = ? AND event_id = ?"),
                arguments: [gateway, eventID])
            if let seen {
                let paymentID: String? = seen[0]
                return GatewayEventOutcome(duplicate: true, payment: try paymentID.flatMap { try PaymentRows.fetch(id: $0, db) },
                                           completion: nil)
            }
            var payment = try gatewayOrderID.flatMap { try PaymentRows.fetch(gateway: gateway, orderID: $0, db) }
            var completion: PaymentCompletion?
            if var current = payment {
                switch action {
                case .complete(let gatewayPaymentID):
                    // A capture for a payment that is no longer payable changes nothing here; the
                    // caller sees its status and logs it for a refund.
                    let payable = current.status == .paid || (current.status == .created && nowMs <= current.expiresAtMs)
                    if payable {
                        let done = try complete(current, gatewayPaymentID: gatewayPaymentID, orderID: orderID,
                                                nowMs: nowMs, db)
                        completion = done.newlyPaid ? done : nil
                        payment = done.payment
                    }
                case .fail(let reason):
                    if current.status == .created {
                        current.status = .failed
                        current.statusReason = reason
                        current.updatedAtMs = nowMs
                        try release(current, db)
                        try PaymentRows.updateStatus(current, db)
                        payment = current
                    }
                case .ignore:
                    break
                }
            }
            try db.cachedStatement(sql: """
                INSERT INTO gateway_events (gateway, event_id, payment_id, received_at_ms) VALUES (?, ?, ?, ?)
                """).execute(arguments: [gateway, eventID, payment?.id, nowMs])
            return GatewayEventOutcome(duplicate: false, payment: payment, completion: completion)
        }
    }

    /// An order by id.
    public func order(id: String) throws -> Order? {
        try read { db in try PaymentRows.fetchOrder(id: id, db) }
    }

    /// The user's orders, newest first.
    public func orders(userID: String, after cursor: OrderCursor?, limit: Int) throws -> [Order] {
        try read { db in
            if let cursor {
                let statement = try db.cachedStatement(sql: """
                    SELECT \(PaymentRows.orderColumns) FROM orders
                    WHERE user_id = ? AND (created_at_ms < ? OR (created_at_ms = ? AND id < ?))
                    ORDER BY created_at_ms DESC, id DESC LIMIT ?
                    """)
                return try Row.fetchAll(statement, arguments: [userID, cursor.createdAtMs, cursor.createdAtMs,
                                                               cursor.id, limit]).map(PaymentRows.order)
            }
            let statement = try db.cachedStatement(sql: """
                SELECT \(PaymentRows.orderColumns) FROM orders WHERE user_id = ?
                ORDER BY created_at_ms DESC, id DESC LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [userID, limit]).map(PaymentRows.order)
        }
    }

    /// The user's most recent payments.
    public func payments(userID: String, limit: Int) throws -> [Payment] {
        try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(PaymentRows.paymentColumns) FROM payments WHERE user_id = ?
                ORDER BY created_at_ms DESC, id DESC LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [userID, limit]).map(PaymentRows.payment)
        }
    }

    /// The number of CREATED payments.
    public func pendingPaymentCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payments WHERE status = 'created'") ?? 0 }
    }

    // MARK: Inside a write transaction

    /// Drops a payment's reservation (rows and cache).
    private func release(_ payment: Payment, _ db: Database) throws {
        try PaymentRows.deleteReservations(paymentID: payment.id, db)
        catalog.update { state in
            for (key, units) in PaymentRows.reservationUnits(payment) {
                state.reserve(userID: payment.userID, key: key, units: -units)
            }
        }
    }

    /// Pays a payment: the one place where an order is created.
    private func complete(_ payment: Payment, gatewayPaymentID: String, orderID: String, nowMs: Int64,
                          _ db: Database) throws -> PaymentCompletion {
        switch payment.status {
        case .paid:
            guard let existingID = payment.orderID, let order = try PaymentRows.fetchOrder(id: existingID, db) else {
                throw StoreError(.other, detail: "payment \(payment.id) is paid but has no order")
            }
            return PaymentCompletion(payment: payment, order: order, cart: nil, newlyPaid: false)
        case .failed, .cancelled, .expired:
            throw CheckoutError.wrongState(payment, action: "paid")
        case .created:
            guard nowMs <= payment.expiresAtMs else { throw CheckoutError.expired(payment) }
        }
        var paid = payment
        paid.status = .paid
        paid.gatewayPaymentID = gatewayPaymentID
        paid.orderID = orderID
        paid.updatedAtMs = nowMs
        paid.statusReason = ""
        try PaymentRows.updateStatus(paid, db)
        let order = Order(id: orderID, paymentID: paid.id, userID: paid.userID, items: paid.items,
                          totalPrice: paid.amount, shippingAddress: paid.shippingAddress,
                          billingAddress: paid.billingAddress, status: .confirmed, createdAtMs: nowMs,
                          cartID: paid.cartID)
        try PaymentRows.insert(order, db)
        let units = PaymentRows.reservationUnits(paid)
        for (key, count) in units { try decrementStock(key, by: count, db) }
        try release(paid, db)
        let cart = try removePurchased(units, from: paid, nowMs: nowMs, db)
        return PaymentCompletion(payment: paid, order: order, cart: cart, newlyPaid: true)
    }

    /// Lowers stock by what was bought (never below zero) in the rows and the cache.
    private func decrementStock(_ key: StockKey, by units: Int64, _ db: Database) throws {
        if let variantID = key.variantID {
            try db.cachedStatement(sql: """
                UPDATE product_variants SET stock = MAX(stock - ?, 0) WHERE id = ? AND product_id = ?
                """).execute(arguments: [units, variantID, key.productID])
        } else {
            try db.cachedStatement(sql: "UPDATE products SET stock = MAX(stock - ?, 0) WHERE id = ?")
                .execute(arguments: [units, key.productID])
        }
        catalog.update { state in
            guard var product = state.catalog.product(id: key.productID) else { return }
            if let variantID = key.variantID {
                guard let index = product.variants.firstIndex(where: { $0.id == variantID }) else { return }
                product.variants[index].stock = max(product.variants[index].stock - units, 0)
            } else {
                product.stock = max(product.stock - units, 0)
            }
            state.catalog.upsert(product)
        }
    }

    /// Takes the purchased quantities out of the payer's cart (the whole cart when it is unchanged
    /// since checkout); lines added since stay.
    /// - Returns: The priced cart when it changed.
    private func removePurchased(_ units: [StockKey: Int64], from payment: Payment, nowMs: Int64,
                                 _ db: Database) throws -> PricedCart? {
        guard let cart = try CartRows.activeCart(userID: payment.userID, db), cart.id == payment.cartID else {
            return nil
        }
        var next = cart
        next.lines = cart.lines.compactMap { line in
            var line = line
            line.quantity -= units[StockKey(productID: line.productID, variantID: line.variantID)] ?? 0
            return line.quantity > 0 ? line : nil
        }
        guard next.lines != cart.lines else { return nil }
        next.version = cart.version + 1
        next.updatedAtMs = nowMs
        try save(next, replacing: cart, db)
        return try price(next)
    }
}
