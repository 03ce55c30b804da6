// Checkout, payment and order output for cartctl: `--json` models (snake_case as in cart.v1's payment.proto),
// tables for people, and the address files `checkout` reads.

import CartClient
import CartCore
import Foundation

/// `cart.v1.Address`; also the format of `checkout --shipping-file` / `--billing-file`.
struct AddressJSON: Codable, Hashable {
    var name: String
    var line1: String
    var line2: String
    var city: String
    var state: String
    var postalCode: String
    var country: String
    var phone: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, line1, line2, city, state, country, phone
        case postalCode = "postal_code"
    }

    init(_ address: Address) {
        name = address.name
        line1 = address.line1
        line2 = address.line2
        city = address.city
        state = address.state
        postalCode = address.postalCode
        country = address.country
        phone = address.phone
    }

    var address: Address {
        Address(name: name, line1: line1, line2: line2, city: city, state: state, postalCode: postalCode,
                country: country, phone: phone)
    }

    /// Reads an address file: one JSON object of string fields, absent fields empty. Unknown fields are refused
    /// (a misspelt `postcode` would otherwise vanish silently); the daemon checks what is required.
    /// - Throws: ``CLIError`` INVALID_ARGUMENT naming the file and the problem.
    static func read(file path: String) throws -> Address {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.invalidArgument, "cannot read the address file \(path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CLIError(.invalidArgument, "\(path): not a JSON object of address fields")
        }
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw CLIError(.invalidArgument,
                           "\(path): unknown field \"\(unknown)\" (fields: \(known.sorted().joined(separator: ", ")))")
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if value is NSNull { continue }
            guard let text = value as? String else { throw CLIError(.invalidArgument, "\(path): \(key) must be a string") }
            fields[key] = text
        }
        return Address(name: fields["name"] ?? "", line1: fields["line1"] ?? "", line2: fields["line2"] ?? "",
                       city: fields["city"] ?? "", state: fields["state"] ?? "", postalCode: fields["postal_code"] ?? "",
                       country: fields["country"] ?? "", phone: fields["phone"] ?? "")
    }
}

/// `cart.v1.Payment`.
struct PaymentJSON: Encodable, Hashable {
    var id: String
    var cartID: String
    var userID: String
    var status: String
    var amount: MoneyJSON
    var paymentMethod: String
    var gateway: String
    var gatewayOrderID: String
    var gatewayKeyID: String
    var items: [CartItemJSON]
    var shippingAddress: AddressJSON
    var billingAddress: AddressJSON
    var createdAtUnixMs: Int64
    var expiresAtUnixMs: Int64
    var orderID: String

    enum CodingKeys: String, CodingKey {
        case id, status, amount, gateway, items
        case cartID = "cart_id"
        case userID = "user_id"
        case paymentMethod = "payment_method"
        case gatewayOrderID = "gateway_order_id"
        case gatewayKeyID = "gateway_key_id"
        case shippingAddress = "shipping_address"
        case billingAddress = "billing_address"
        case createdAtUnixMs = "created_at_unix_ms"
        case expiresAtUnixMs = "expires_at_unix_ms"
        case orderID = "order_id"
    }

    init(_ payment: Payment) {
        id = payment.id
        cartID = payment.cartID
        userID = payment.userID
        status = payment.status.wireName
        amount = MoneyJSON(payment.amount)
        paymentMethod = payment.paymentMethod
        gateway = payment.gateway
        gatewayOrderID = payment.gatewayOrderID
        gatewayKeyID = payment.gatewayKeyID
        items = payment.items.map(CartItemJSON.init)
        shippingAddress = AddressJSON(payment.shippingAddress)
        billingAddress = AddressJSON(payment.billingAddress)
        createdAtUnixMs = payment.createdAtMs
        expiresAtUnixMs = payment.expiresAtMs
        orderID = payment.orderID ?? ""
    }
}

/// `cart.v1.Order`.
struct OrderJSON: Encodable, Hashable {
    var id: String
    var paymentID: String
    var userID: String
    var items: [CartItemJSON]
    var totalPrice: MoneyJSON
    var shippingAddress: AddressJSON
    var billingAddress: AddressJSON
    var status: String
    var createdAtUnixMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, items, status
        case paymentID = "payment_id"
        case userID = "user_id"
        case totalPrice = "total_price"
        case shippingAddress = "shipping_address"
        case billingAddress = "billing_address"
        case createdAtUnixMs = "created_at_unix_ms"
    }

    init(_ order: Order) {
        id = order.id
        paymentID = order.paymentID
        userID = order.userID
        items = order.items.map(CartItemJSON.init)
        totalPrice = MoneyJSON(order.totalPrice)
        shippingAddress = AddressJSON(order.shippingAddress)
        billingAddress = AddressJSON(order.billingAddress)
        status = order.status.wireName
        createdAtUnixMs = order.createdAtMs
    }
}

/// The `--json` output of `orders list`: `{"orders": [...]}`, with `next_page_token` when one page was asked for.
struct OrdersJSON: Encodable, Hashable {
    var orders: [OrderJSON]
    var nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case orders
        case nextPageToken = "next_page_token"
    }
}

extension PaymentStatus {
    /// The proto enum value's name, e.g. `CREATED`.
    var wireName: String { rawValue.uppercased() }
}

extension OrderStatus {
    /// The proto enum value's name, e.g. `ORDER_STATUS_CONFIRMED`.
    var wireName: String { "ORDER_STATUS_" + rawValue.uppercased() }
}

/// Human renderings of payments and orders.
enum PaymentTables {
    /// A Unix-ms time as ISO-8601 UTC, e.g. `2025-06-01T10:15:00Z`.
    static func time(_ unixMs: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMs) / 1000))
    }

    /// An address on one line: "Asha Rao, 12 MG Road, Bengaluru, KA 560001, IN, +91 80 1234 5678".
    static func address(_ address: Address) -> String {
        let region = [address.state, address.postalCode].filter { !$0.isEmpty }.joined(separator: " ")
        return [address.name, address.line1, address.line2, address.city, region, address.country, address.phone]
            .filter { !$0.isEmpty }.joined(separator: ", ")
    }

    /// The lines of a payment or order.
    static func lines(_ items: [PricedItem]) -> String {
        guard !items.isEmpty else { return "(no lines)" }
        let rows = items.enumerated().map { index, item in
            [String(index + 1), CartTable.productLabel(item), String(item.quantity), item.unitPrice.formatted,
             item.totalPrice.formatted]
        }
        return TextTable.render(header: ["#", "PRODUCT", "QTY", "UNIT", "TOTAL"],
                                alignments: [.right, .left, .right, .right, .right], rows: rows)
    }

    /// Label/value pairs, labels padded.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { label, value in label + String(repeating: " ", count: width - label.count) + "  " + value }
            .joined(separator: "\n")
    }

    /// A payment: its facts, then its lines.
    static func render(_ payment: Payment) -> String {
        var pairs = [
            ("payment", payment.id), ("status", payment.status.wireName), ("amount", payment.amount.formatted),
            ("gateway", payment.gateway), ("gateway order", payment.gatewayOrderID), ("key id", payment.gatewayKeyID),
            ("expires at", time(payment.expiresAtMs)),
        ]
        if let orderID = payment.orderID, !orderID.isEmpty { pairs.append(("order", orderID)) }
        pairs.append(("ship to", address(payment.shippingAddress)))
        if payment.billingAddress != payment.shippingAddress { pairs.append(("bill to", address(payment.billingAddress))) }
        return fields(pairs) + "\n" + lines(payment.items)
    }

    /// An order: its facts, its lines and total, its addresses.
    static func render(_ order: Order) -> String {
        let head = fields([
            ("order", order.id), ("status", order.status.wireName), ("payment", order.paymentID),
            ("created at", time(order.createdAtMs)),
        ])
        let tail = fields([
            ("total", order.totalPrice.formatted), ("ship to", address(order.shippingAddress)),
            ("bill to", address(order.billingAddress)),
        ])
        return head + "\n" + lines(order.items) + "\n" + tail
    }

    /// Orders, one row each: id, date, units, total.
    static func render(_ orders: [Order]) -> String {
        guard !orders.isEmpty else { return "(no orders)" }
        let rows = orders.map { order in
            [order.id, time(order.createdAtMs), String(order.items.reduce(0) { $0 + $1.quantity }),
             order.totalPrice.formatted]
        }
        return TextTable.render(header: ["ORDER", "DATE", "ITEMS", "TOTAL"], alignments: [.left, .left, .right, .right],
                                rows: rows)
    }
}
