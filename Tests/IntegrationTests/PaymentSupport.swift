// Helpers of the checkout, payment and order tests.

import CartClient
import CartCore
import CartTesting
import Foundation
import Testing

/// The simulated gateway's documented test secrets. Copies of `SimulatedGateway.defaultKeyID`,
/// `.defaultKeySecret` and `.defaultWebhookSecret` (Sources/CartServer/Payments/SimulatedGateway.swift):
/// the tests talk to cartd as an outside client would, without importing CartServer.
enum SimulatedSecrets {
    static let keyID = "rzp_test_cartsync"
    static let keySecret = "cartsync-simulated-key-secret"
    static let webhookSecret = "cartsync-simulated-webhook-secret"
}

/// Addresses for checkout.
enum Addresses {
    static let home = Address(name: "Asha Rao", line1: "12 MG Road", line2: "Flat 4B", city: "Bengaluru", state: "KA",
                              postalCode: "560001", country: "IN", phone: "+91 80 1234 5678")
    static let office = Address(name: "Asha Rao", line1: "1 Residency Road", city: "Bengaluru", postalCode: "560025",
                                country: "IN")
}

/// Lowercase hex HMAC-SHA256 of each message keyed with `secret`, computed by Python's `hmac` module: vectors
/// independent of the Swift code under test.
func pythonHMAC(secret: String, _ messages: [String]) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c",
                         "import hmac,hashlib,sys\nfor m in sys.argv[2:]: print(hmac.new(sys.argv[1].encode(), m.encode(), hashlib.sha256).hexdigest())",
                         secret] + messages
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestDaemonError(description: "python3 hmac failed") }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    guard lines.count == messages.count else { throw TestDaemonError(description: "python3 printed \(lines)") }
    return lines
}

/// One HMAC by Python.
func pythonHMAC(secret: String, _ message: String) throws -> String {
    try pythonHMAC(secret: secret, [message])[0]
}

/// Razorpay's checkout signature of a payment, by Python: HMAC(key secret, "<order id>|<payment id>").
func pythonPaymentSignature(orderID: String, gatewayPaymentID: String,
                            keySecret: String = SimulatedSecrets.keySecret) throws -> String {
    try pythonHMAC(secret: keySecret, "\(orderID)|\(gatewayPaymentID)")
}

/// A Razorpay-shaped webhook body (`payment.captured`, `payment.failed`, `order.paid`).
func webhookBody(event: String, orderID: String, gatewayPaymentID: String, amount: Int64,
                 errorDescription: String? = nil) -> String {
    var payment: [String: Any] = [
        "id": gatewayPaymentID, "entity": "payment", "amount": amount, "currency": "INR",
        "status": event == "payment.failed" ? "failed" : "captured", "order_id": orderID, "method": "upi",
        "captured": event != "payment.failed",
    ]
    if let errorDescription { payment["error_description"] = errorDescription }
    var payload: [String: Any] = ["payment": ["entity": payment]]
    if event == "order.paid" {
        payload["order"] = ["entity": ["id": orderID, "entity": "order", "amount": amount, "status": "paid"]]
    }
    let object: [String: Any] = [
        "entity": "event", "account_id": "acc_test", "event": event,
        "contains": event == "order.paid" ? ["payment", "order"] : ["payment"], "payload": payload,
        "created_at": Int(Date().timeIntervalSince1970),
    ]
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// Starts cartd with the test catalog loaded, and hands over an admin client too.
func withPaymentDaemon(_ arguments: [String] = [],
                       _ body: (TestDaemon, CartClient) async throws -> Void) async throws {
    try await withTestDaemon(arguments: arguments) { daemon in
        try await TestCatalog.load(into: daemon)
        let admin = try await daemon.client(user: "ops", admin: true)
        do {
            try await body(daemon, admin)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}

/// Checks out and pays with a Python-computed signature; returns the payment and its order.
func checkoutAndPay(_ client: CartClient, shipping: Address = Addresses.home) async throws -> (Payment, Order) {
    let payment = try await client.createPaymentFromCart(shipping: shipping)
    let gatewayPaymentID = "pay_\(UUID().uuidString.prefix(8))"
    let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: gatewayPaymentID)
    let order = try await client.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                signature: signature)
    return (payment, order)
}

/// The stock of a product (or one variant) as the admin sees it.
func stock(_ admin: CartClient, _ productID: String, variant: String? = nil) async throws -> Int64 {
    let product = try await admin.getProduct(productID: productID)
    guard let variant else { return product.stock }
    return try #require(product.variants.first { $0.id == variant }).stock
}

/// The FAILED_PRECONDITION message for unbuyable lines: "Some items cannot be bought; update your cart: …".
func linesMessage(_ reasons: [String]) -> String {
    "Some items cannot be bought; update your cart: " + reasons.joined(separator: "; ")
}
