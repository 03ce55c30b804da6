import CartCore
import Foundation
import GRDB

/// The invariants checked on the database file once cartd has stopped, read with GRDB (never through cartd):
///
/// - every active cart equals the last GetCart of its user (id, version, lines), and its totals recomputed from
///   the catalog rows equal what GetCart returned;
/// - stock = initial − ordered quantities, per product and variant;
/// - exactly one active cart per user;
/// - every PAID payment has exactly one order, every order one PAID payment, and the load saw each of them paid;
/// - no reservation rows for payments that are not CREATED (and none CREATED once reservations expired);
/// - `PRAGMA integrity_check` and `foreign_key_check` are clean.
struct Invariants {
    /// What the database holds, for the report.
    struct Counts: Codable {
        var activeCarts = 0
        var orders = 0
        var paymentsByStatus: [String: Int] = [:]
        var idempotencyRecords = 0
        var databaseMiB = 0.0
    }

    let path: String

    /// Checks everything.
    /// - Parameters:
    ///   - finalCarts: The last GetCart of every user, by user id.
    ///   - paidByLoad: Payments the load saw paid.
    /// - Returns: The violations (empty when all hold) and counts for the report.
    func check(finalCarts: [String: PricedCart], paidByLoad: Set<String>) throws -> ([String], Counts) {
        var violations: [String] = []
        var counts = Counts()
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let products = try Row.fetchAll(db, sql: "SELECT id, price_minor, active, stock FROM products")
            let variants = try Row.fetchAll(db, sql: """
                SELECT id, product_id, additional_price_minor, active, stock FROM product_variants
                """)
            var price: [String: Int64] = [:], active: [String: Bool] = [:], stock: [String: Int64] = [:]
            for row in products {
                let id: String = row["id"]
                (price[id], active[id], stock[id]) = (row["price_minor"], row["active"], row["stock"])
            }
            for row in variants {
                let id: String = row["id"], product: String = row["product_id"]
                let key = product + "|" + id
                price[key] = (price[product] ?? 0) + (row["additional_price_minor"] as Int64)
                active[key] = (active[product] ?? false) && (row["active"] as Bool)
                stock[key] = row["stock"]
            }

            // Carts: as last returned, and the totals recomputed.
            var carts: [String: (id: String, version: UInt64, lines: [String: Int64])] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT c.user_id, c.id, c.version, i.product_id, i.variant_id, i.quantity
                FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id WHERE c.status = 'active'
                """) {
                let user: String = row["user_id"]
                var cart = carts[user] ?? (row["id"], row["version"], [:])
                if let product: String = row["product_id"] {
                    let variant: String = row["variant_id"]
                    cart.lines[variant.isEmpty ? product : product + "|" + variant] = row["quantity"]
                }
                carts[user] = cart
            }
            counts.activeCarts = carts.count
            for (user, returned) in finalCarts {
                guard let stored = carts[user] else {
                    violations.append("\(user): no active cart in the database")
                    continue
                }
                var returnedLines: [String: Int64] = [:]
                for item in returned.items {
                    returnedLines[item.variantID.isEmpty ? item.productID : item.productID + "|" + item.variantID] = item.quantity
                }
                if stored.id != returned.id || stored.version != returned.version || stored.lines != returnedLines {
                    violations.append("\(user): the database holds cart \(stored.id) v\(stored.version) \(stored.lines), GetCart returned \(returned.id) v\(returned.version) \(returnedLines)")
                    continue
                }
                var total: Int64 = 0, unavailable = false
                for (key, quantity) in stored.lines {
                    if active[key] == true, (stock[key] ?? 0) > 0 {
                        total += (price[key] ?? 0) * quantity
                    } else {
                        unavailable = true
                    }
                }
                if total != returned.totalPrice.amountMinor || unavailable != returned.hasUnavailableItems
                    || Int64(stored.lines.values.reduce(0, +)) != returned.totalItems || stored.lines.count != returned.itemsCount {
                    violations.append("\(user): totals recomputed \(total) (unavailable lines: \(unavailable)), GetCart returned \(returned.totalPrice.amountMinor) (\(returned.hasUnavailableItems)), \(returned.totalItems) items in \(returned.itemsCount) lines")
                }
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT user_id, count(*) AS n FROM carts WHERE status = 'active' GROUP BY user_id HAVING n > 1
                """) {
                violations.append("\(row["user_id"] as String): \(row["n"] as Int) active carts")
            }

            // Stock = initial − ordered.
            var ordered: [String: Int64] = [:]
            let decoder = JSONDecoder()
            var orderPayments: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, payment_id, items_json FROM orders") {
                orderPayments[row["id"]] = row["payment_id"]
                let items = try decoder.decode([PricedItem].self, from: row["items_json"] as Data)
                for item in items {
                    let key = item.variantID.isEmpty ? item.productID : item.productID + "|" + item.variantID
                    ordered[key, default: 0] += item.quantity
                }
            }
            counts.orders = orderPayments.count
            for line in SoakCatalog.lines {
                let key = line.variant.isEmpty ? line.product : line.product + "|" + line.variant
                let expected = SoakCatalog.initialStock(product: line.product, variant: line.variant) - (ordered[key] ?? 0)
                if stock[key] != expected {
                    violations.append("stock of \(key) is \(stock[key] ?? -1), initial − ordered is \(expected)")
                }
            }

            // Payments and orders, one to one.
            var ordersOfPayment: [String: [String]] = [:]
            for (order, payment) in orderPayments { ordersOfPayment[payment, default: []].append(order) }
            var paid: Set<String> = []
            for row in try Row.fetchAll(db, sql: "SELECT id, status, order_id FROM payments") {
                let status: String = row["status"]
                counts.paymentsByStatus[status, default: 0] += 1
                if status == "paid" {
                    let id: String = row["id"]
                    paid.insert(id)
                    let orders = ordersOfPayment[id] ?? []
                    if orders.count != 1 || orders.first != row["order_id"] as String? {
                        violations.append("PAID payment \(id) has \(orders.count) orders")
                    }
                }
            }
            for (order, payment) in orderPayments where !paid.contains(payment) {
                violations.append("order \(order) belongs to payment \(payment), which is not PAID")
            }
            if paid != paidByLoad {
                violations.append("the load saw \(paidByLoad.count) payments paid, the database holds \(paid.count) (\(paid.symmetricDifference(paidByLoad).prefix(5)))")
            }
            let settled = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM stock_reservations r JOIN payments p ON p.id = r.payment_id WHERE p.status != 'created'
                """) ?? 0
            if settled > 0 { violations.append("\(settled) reservation rows of payments that are not CREATED") }
            if let pending = counts.paymentsByStatus["created"], pending > 0 {
                violations.append("\(pending) payments still CREATED after their reservations expired")
            }

            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { violations.append("integrity_check: \(integrity.prefix(5))") }
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            if !foreignKeys.isEmpty { violations.append("foreign_key_check: \(foreignKeys.count) rows") }
            counts.idempotencyRecords = try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency_records") ?? 0
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        counts.databaseMiB = Double(bytes) / 1024 / 1024
        return (violations, counts)
    }
}
