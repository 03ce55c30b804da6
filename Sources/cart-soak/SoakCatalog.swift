import CartCore
import Crypto
import Foundation

/// The soak's catalog: plain products, products with variants, and one scarce product that sells out (so
/// OUT_OF_STOCK lines and refused checkouts are part of the load). Never changed during the run, so
/// stock = initial − ordered must hold at the end.
enum SoakCatalog {
    static func inr(_ minor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: minor) }

    static let products: [Product] = plain + sized + [
        Product(id: "sk-scarce", name: "Scarce", price: inr(99_900), active: true, stock: 40, variants: []),
    ]

    private static let plain: [Product] = (0..<8).map { (index: Int) -> Product in
        Product(id: "sk-plain-\(index)", name: "Plain \(index)", price: inr(Int64(1_000 + 250 * index)), active: true,
                stock: 200_000, variants: [])
    }

    private static let sized: [Product] = (0..<2).map { (index: Int) -> Product in
        let sizes = ["s", "m", "l"]
        var variants: [ProductVariant] = []
        for (position, size) in sizes.enumerated() {
            variants.append(ProductVariant(id: "sk-size-\(index)-\(size)", name: size.uppercased(),
                                           additionalPrice: inr(Int64(500 * position)), active: true, stock: 100_000))
        }
        return Product(id: "sk-size-\(index)", name: "Sized \(index)", price: inr(Int64(20_000 + 5_000 * index)),
                       active: true, stock: 0, variants: variants)
    }

    /// Every line the load can add: product and variant ("" for none).
    static let lines: [(product: String, variant: String)] = products.flatMap { product in
        product.variants.isEmpty ? [(product.id, "")] : product.variants.map { (product.id, $0.id) }
    }

    /// The stock of a line's product or variant at the start.
    static func initialStock(product: String, variant: String) -> Int64 {
        guard let found = products.first(where: { $0.id == product }) else { return 0 }
        if variant.isEmpty { return found.stock }
        return found.variants.first { $0.id == variant }?.stock ?? 0
    }

    static let shipping = Address(name: "Soak Shopper", line1: "1 Load Lane", city: "Bengaluru", state: "KA",
                                  postalCode: "560001", country: "IN", phone: "+91 80 0000 0000")
}

/// The simulated gateway's documented test secrets (Sources/CartServer/Payments/SimulatedGateway.swift): the soak
/// signs as the gateway would, as an outside client.
enum SimulatedGatewaySecrets {
    static let keySecret = "cartsync-simulated-key-secret"
    static let webhookSecret = "cartsync-simulated-webhook-secret"

    /// Razorpay's checkout signature: hex HMAC-SHA256 of "<order id>|<payment id>" with the key secret.
    static func paymentSignature(orderID: String, gatewayPaymentID: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data("\(orderID)|\(gatewayPaymentID)".utf8),
                                            using: SymmetricKey(data: Data(keySecret.utf8))))
    }

    /// Razorpay's webhook signature: hex HMAC-SHA256 of the raw body with the webhook secret.
    static func webhookSignature(_ body: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(webhookSecret.utf8))))
    }

    /// A Razorpay-shaped `payment.captured` event.
    static func capturedBody(orderID: String, gatewayPaymentID: String, amount: Int64) -> [UInt8] {
        let object: [String: Any] = [
            "entity": "event", "account_id": "acc_soak", "event": "payment.captured", "contains": ["payment"],
            "payload": ["payment": ["entity": [
                "id": gatewayPaymentID, "entity": "payment", "amount": amount, "currency": "INR", "status": "captured",
                "order_id": orderID, "method": "upi", "captured": true,
            ]]],
            "created_at": Int(Date().timeIntervalSince1970),
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    private static func hex(_ code: some Sequence<UInt8>) -> String {
        code.map { String(format: "%02x", $0) }.joined()
    }
}
