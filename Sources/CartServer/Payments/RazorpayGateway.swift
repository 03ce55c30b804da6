import CartCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Razorpay: orders are created with `POST {baseURL}/v1/orders` (HTTP Basic `key_id:key_secret`,
/// JSON `amount` in the currency's minor units, `currency`, `receipt`, `notes`); the response's
/// `id` is the gateway order id. Signatures follow Razorpay's documented HMAC-SHA256 scheme.
public struct RazorpayGateway: PaymentGateway {
    /// "razorpay".
    public let name = "razorpay"
    /// The API key id (public).
    public let keyID: String
    let secrets: GatewaySecrets
    let baseURL: URL
    let timeout: TimeInterval

    /// Creates the gateway.
    /// - Parameters:
    ///   - baseURL: `https://api.razorpay.com` in production; a local server in tests.
    ///   - keyID: The API key id.
    ///   - secrets: The key secret and webhook secret(s).
    ///   - timeout: Seconds to wait for the gateway before failing UNAVAILABLE.
    public init(baseURL: URL, keyID: String, secrets: GatewaySecrets, timeout: TimeInterval = 10) {
        self.baseURL = baseURL
        self.keyID = keyID
        self.secrets = secrets
        self.timeout = timeout
    }

    /// Creates the Razorpay order.
    public func createOrder(amount: Money, receipt: String, notes: [String: String]) async throws(GatewayError) -> String {
        var request = URLRequest(url: baseURL.appendingPathComponent("v1/orders"), timeoutInterval: timeout)
        request.httpMethod = "POST"
        let credentials = Data("\(keyID):\(String(decoding: secrets.keySecret, as: UTF8.self))".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let body: [String: Any] = ["amount": amount.amountMinor, "currency": amount.currencyCode, "receipt": receipt,
                                   "notes": notes]
        request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw GatewayError("cannot reach Razorpay: \((error as NSError).localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw GatewayError("Razorpay sent no HTTP response") }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard (200..<300).contains(http.statusCode) else {
            let detail = ((object?["error"] as? [String: Any])?["description"] as? String) ?? "HTTP \(http.statusCode)"
            throw GatewayError(http.statusCode == 401 ? "Razorpay refused cartd's API credentials" : "Razorpay refused the order: \(detail)")
        }
        guard let id = object?["id"] as? String, !id.isEmpty else {
            throw GatewayError("Razorpay's order response has no id")
        }
        return id
    }

    /// Razorpay's checkout signature.
    public func paymentSignatureIsValid(orderID: String, paymentID: String, signature: String) -> Bool {
        secrets.paymentSignatureIsValid(orderID: orderID, paymentID: paymentID, signature: signature)
    }

    /// Razorpay's webhook signature.
    public func webhookSignatureIsValid(body: [UInt8], signature: String) -> Bool {
        secrets.webhookSignatureIsValid(body: body, signature: signature)
    }
}
