import CartCore
import Foundation

/// A gateway that runs entirely inside cartd, for development and tests: orders get local
/// `order_…` ids and signatures use Razorpay's scheme with documented test secrets, so a whole
/// checkout can be completed on one machine (`cartctl pay simulate PAYMENT_ID`).
public struct SimulatedGateway: PaymentGateway {
    /// The documented test key id.
    public static let defaultKeyID = "rzp_test_cartsync"
    /// The documented test key secret (checkout signatures).
    public static let defaultKeySecret = "cartsync-simulated-key-secret"
    /// The documented test webhook secret.
    public static let defaultWebhookSecret = "cartsync-simulated-webhook-secret"

    /// "simulated".
    public let name = "simulated"
    /// The key id.
    public let keyID: String
    let secrets: GatewaySecrets

    /// Creates the gateway with the documented test secrets, or others.
    public init(keyID: String = Self.defaultKeyID,
                secrets: GatewaySecrets = GatewaySecrets(keySecret: Array(Self.defaultKeySecret.utf8),
                                                         webhookSecrets: [Array(Self.defaultWebhookSecret.utf8)])) {
        self.keyID = keyID
        self.secrets = secrets
    }

    /// A local order id.
    public func createOrder(amount: Money, receipt: String, notes: [String: String]) async throws(GatewayError) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "order_" + String((0..<14).map { _ in alphabet.randomElement()! })
    }

    /// Razorpay's payment signature with the test key secret.
    public func paymentSignatureIsValid(orderID: String, paymentID: String, signature: String) -> Bool {
        secrets.paymentSignatureIsValid(orderID: orderID, paymentID: paymentID, signature: signature)
    }

    /// Razorpay's webhook signature with the test webhook secret(s).
    public func webhookSignatureIsValid(body: [UInt8], signature: String) -> Bool {
        secrets.webhookSignatureIsValid(body: body, signature: signature)
    }
}
