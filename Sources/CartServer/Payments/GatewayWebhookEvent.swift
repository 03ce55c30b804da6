import CartCore
import Foundation

/// The parts of a Razorpay webhook body cartd acts on:
/// `{"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_…","order_id":"order_…",
/// "error_description":…}},"order":{"entity":{"id":"order_…"}}}}`.
struct GatewayWebhookEvent {
    var name: String
    var orderID: String?
    var paymentID: String?
    var errorDescription: String?

    /// Parses the raw body.
    /// - Throws: `CheckoutError` INVALID_ARGUMENT when the body is not a JSON object with an `event`.
    init(body: [UInt8]) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw CheckoutError.invalid("body", "is not a JSON object")
        }
        guard let name = object["event"] as? String, !name.isEmpty else {
            throw CheckoutError.invalid("body", "has no event name")
        }
        self.name = name
        let payload = object["payload"] as? [String: Any]
        let payment = (payload?["payment"] as? [String: Any])?["entity"] as? [String: Any]
        let order = (payload?["order"] as? [String: Any])?["entity"] as? [String: Any]
        paymentID = payment?["id"] as? String
        orderID = (payment?["order_id"] as? String) ?? (order?["id"] as? String)
        errorDescription = payment?["error_description"] as? String
    }
}
