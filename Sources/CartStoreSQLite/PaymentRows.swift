import CartCore
import Foundation
import GRDB

/// Reading and writing payments, reservations and orders as rows.
enum PaymentRows {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func json<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    static let paymentColumns = """
        id, user_id, cart_id, cart_version, status, currency_code, amount_minor, payment_method, gateway,
        gateway_order_id, gateway_key_id, gateway_payment_id, items_json, shipping_json, billing_json,
        status_reason, order_id, created_at_ms, updated_at_ms, expires_at_ms
        """

    static func payment(_ row: Row) throws -> Payment {
        let status: String = row["status"]
        let version: Int64 = row["cart_version"]
        return Payment(
            id: row["id"], cartID: row["cart_id"], userID: row["user_id"],
            status: PaymentStatus(rawValue: status) ?? .failed,
            amount: Money(currencyCode: row["currency_code"], amountMinor: row["amount_minor"]),
            paymentMethod: row["payment_method"], gateway: row["gateway"], gatewayOrderID: row["gateway_order_id"],
            gatewayKeyID: row["gateway_key_id"], items: try decode([PricedItem].self, row["items_json"]),
            shippingAddress: try decode(Address.self, row["shipping_json"]),
            billingAddress: try decode(Address.self, row["billing_json"]), createdAtMs: row["created_at_ms"],
            expiresAtMs: row["expires_at_ms"], orderID: row["order_id"], cartVersion: UInt64(version),
            statusReason: row["status_reason"], updatedAtMs: row["updated_at_ms"],
            gatewayPaymentID: row["gateway_payment_id"])
    }

    static func fetch(id: String, _ db: Database) throws -> Payment? {
        let statement = try db.cachedStatement(sql: "SELECT \(paymentColumns) FROM payments WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(payment)
    }

    static func fetch(gateway: String, orderID: String, _ db: Database) throws -> Payment? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(paymentColumns) FROM payments WHERE gateway = ? AND gateway_order_id = ?")
        return try Row.fetchOne(statement, arguments: [gateway, orderID]).map(payment)
    }

    static func pending(cartID: String, _ db: Database) throws -> [Payment] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(paymentColumns) FROM payments WHERE cart_id = ? AND status = 'created'")
        return try Row.fetchAll(statement, arguments: [cartID]).map(payment)
    }

    static func insert(_ payment: Payment, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO payments (\(paymentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                payment.id, payment.userID, payment.cartID, Int64(payment.cartVersion), payment.status.rawValue,
                payment.amount.currencyCode, payment.amount.amountMinor, payment.paymentMethod, payment.gateway,
                payment.gatewayOrderID, payment.gatewayKeyID, payment.gatewayPaymentID, try json(payment.items),
                try json(payment.shippingAddress), try json(payment.billingAddress), payment.statusReason,
                payment.orderID, payment.createdAtMs, payment.updatedAtMs, payment.expiresAtMs,
            ])
    }

    /// Writes a status change (status, reason, order, gateway payment id, time).
    static func updateStatus(_ payment: Payment, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE payments SET status = ?, status_reason = ?, order_id = ?, gateway_payment_id = ?, updated_at_ms = ?
            WHERE id = ?
            """).execute(arguments: [payment.status.rawValue, payment.statusReason, payment.orderID,
                                     payment.gatewayPaymentID, payment.updatedAtMs, payment.id])
    }

    /// The units each line of a payment reserves, merged per stock key.
    static func reservationUnits(_ payment: Payment) -> [StockKey: Int64] {
        var units: [StockKey: Int64] = [:]
        for item in payment.items {
            let key = StockKey(productID: item.productID, variantID: item.variantID.isEmpty ? nil : item.variantID)
            units[key, default: 0] += item.quantity
        }
        return units
    }

    static func insertReservations(_ payment: Payment, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO stock_reservations (payment_id, product_id, variant_id, quantity) VALUES (?, ?, ?, ?)
            """)
        for (key, units) in reservationUnits(payment) {
            try statement.execute(arguments: [payment.id, key.productID, key.variantID ?? "", units])
        }
    }

    static func deleteReservations(paymentID: String, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM stock_reservations WHERE payment_id = ?").execute(arguments: [paymentID])
    }

    static let orderColumns = """
        id, payment_id, user_id, cart_id, status, currency_code, total_minor, items_json, shipping_json, billing_json,
        created_at_ms
        """

    static func order(_ row: Row) throws -> Order {
        let status: String = row["status"]
        return Order(
            id: row["id"], paymentID: row["payment_id"], userID: row["user_id"],
            items: try decode([PricedItem].self, row["items_json"]),
            totalPrice: Money(currencyCode: row["currency_code"], amountMinor: row["total_minor"]),
            shippingAddress: try decode(Address.self, row["shipping_json"]),
            billingAddress: try decode(Address.self, row["billing_json"]),
            status: OrderStatus(rawValue: status) ?? .confirmed, createdAtMs: row["created_at_ms"], cartID: row["cart_id"])
    }

    static func fetchOrder(id: String, _ db: Database) throws -> Order? {
        let statement = try db.cachedStatement(sql: "SELECT \(orderColumns) FROM orders WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(order)
    }

    static func insert(_ order: Order, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO orders (\(orderColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                order.id, order.paymentID, order.userID, order.cartID, order.status.rawValue,
                order.totalPrice.currencyCode, order.totalPrice.amountMinor, try json(order.items),
                try json(order.shippingAddress), try json(order.billingAddress), order.createdAtMs,
            ])
    }
}
