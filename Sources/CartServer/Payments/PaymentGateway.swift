import CartCore
import Crypto
import Foundation

/// A payment gateway as checkout uses it: create an order for an amount, and check the signatures
/// the gateway produces (on the checkout's success callback and on webhooks).
public protocol PaymentGateway: Sendable {
    /// The name stored on payments ("razorpay", "simulated").
    var name: String { get }
    /// The public key id the checkout widget needs.
    var keyID: String { get }
    /// Creates the gateway's order.
    /// - Parameters:
    ///   - amount: What to charge.
    ///   - receipt: Our payment id.
    ///   - notes: Extra context (cart and user id).
    /// - Returns: The gateway's order id.
    /// - Throws: ``GatewayError`` when the gateway cannot be reached or refuses.
    func createOrder(amount: Money, receipt: String, notes: [String: String]) async throws(GatewayError) -> String
    /// Whether `signature` is the gateway's signature of a successful payment of `orderID`.
    func paymentSignatureIsValid(orderID: String, paymentID: String, signature: String) -> Bool
    /// Whether `signature` is the gateway's signature of a webhook body.
    func webhookSignatureIsValid(body: [UInt8], signature: String) -> Bool
    /// Releases what the gateway holds (connections); called once, after the last call.
    func shutdown() async
}

extension PaymentGateway {
    /// Nothing to release.
    public func shutdown() async {}
}

/// A gateway failure; the message is for the log and for the caller (no secrets in it).
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    /// What happened.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Razorpay's signature scheme: lowercase hex HMAC-SHA256, compared in constant time.
public enum RazorpaySignature {
    /// The signature of a successful checkout: HMAC(key secret, "<order id>|<payment id>").
    public static func payment(orderID: String, paymentID: String, keySecret: [UInt8]) -> String {
        hex(hmac(key: keySecret, message: Array("\(orderID)|\(paymentID)".utf8)))
    }

    /// The signature of a webhook body: HMAC(webhook secret, raw body).
    public static func webhook(body: [UInt8], secret: [UInt8]) -> String {
        hex(hmac(key: secret, message: body))
    }

    /// Whether `signature` (hex) is the HMAC of `message` under `key`; constant time in the MAC.
    public static func isValid(signature: String, message: [UInt8], key: [UInt8]) -> Bool {
        guard let mac = decodeHex(signature), mac.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: SymmetricKey(data: key))
    }

    /// Whether a signature has the shape of one (64 hex digits).
    public static func isWellFormed(_ signature: String) -> Bool {
        signature.utf8.count == 64 && decodeHex(signature) != nil
    }

    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Secrets shared by the gateways: the key secret for payment signatures and the webhook secrets
/// (several during a rotation: a body signed with any of them is accepted).
public struct GatewaySecrets: Sendable {
    /// Signs checkout callbacks.
    public var keySecret: [UInt8]
    /// Sign webhooks; the first is current, the rest still accepted.
    public var webhookSecrets: [[UInt8]]

    /// Creates secrets.
    public init(keySecret: [UInt8], webhookSecrets: [[UInt8]]) {
        self.keySecret = keySecret
        self.webhookSecrets = webhookSecrets
    }

    func paymentSignatureIsValid(orderID: String, paymentID: String, signature: String) -> Bool {
        RazorpaySignature.isValid(signature: signature, message: Array("\(orderID)|\(paymentID)".utf8), key: keySecret)
    }

    func webhookSignatureIsValid(body: [UInt8], signature: String) -> Bool {
        webhookSecrets.contains { RazorpaySignature.isValid(signature: signature, message: body, key: $0) }
    }
}
