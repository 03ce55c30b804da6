import AsyncHTTPClient
import CartCore
import Foundation
import NIOCore

/// Razorpay: orders are created with `POST {baseURL}/v1/orders` (HTTP Basic `key_id:key_secret`,
/// JSON `amount` in the currency's minor units, `currency`, `receipt`, `notes`); the response's
/// `id` is the gateway order id. Signatures follow Razorpay's documented HMAC-SHA256 scheme.
///
/// Requests go through AsyncHTTPClient on the daemon's event loops (not URLSession: FoundationNetworking
/// would link libcurl and the ~30 libraries it loads into every cartd, gateway or not).
public struct RazorpayGateway: PaymentGateway {
    /// "razorpay".
    public let name = "razorpay"
    /// The API key id (public).
    public let keyID: String
    let secrets: GatewaySecrets
    let baseURL: URL
    let timeout: TimeInterval
    private let client: HTTPClient

    /// Creates the gateway and its HTTP client on `group`; ``shutdown()`` closes the client.
    /// - Parameters:
    ///   - baseURL: `https://api.razorpay.com` in production; a local server in tests.
    ///   - keyID: The API key id.
    ///   - secrets: The key secret and webhook secret(s).
    ///   - timeout: Seconds to wait for the gateway before failing UNAVAILABLE: the request's deadline,
    ///     which covers only the wait for the response head, and the client's connect and read
    ///     timeouts, so a gateway that sends a head and then stalls is cut off too.
    ///   - group: The event loops the client runs on.
    public init(baseURL: URL, keyID: String, secrets: GatewaySecrets, timeout: TimeInterval = 10,
                group: any EventLoopGroup) {
        self.baseURL = baseURL
        self.keyID = keyID
        self.secrets = secrets
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: Self.amount(timeout),
                                                                 read: Self.amount(timeout))
        client = HTTPClient(eventLoopGroup: group, configuration: configuration)
    }

    /// The most bytes of an order response read (Razorpay's are well under 2 KB).
    static let maximumResponseBytes = 1 << 20

    private static func amount(_ seconds: TimeInterval) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }

    /// Shuts the HTTP client down.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Creates the Razorpay order.
    public func createOrder(amount: Money, receipt: String, notes: [String: String]) async throws(GatewayError) -> String {
        var request = HTTPClientRequest(url: baseURL.appendingPathComponent("v1/orders").absoluteString)
        request.method = .POST
        let credentials = Data("\(keyID):\(String(decoding: secrets.keySecret, as: UTF8.self))".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: [String: Any] = ["amount": amount.amountMinor, "currency": amount.currencyCode, "receipt": receipt,
                                   "notes": notes]
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        request.body = .bytes(ByteBuffer(bytes: json))
        let status: Int
        let data: Data
        do {
            let response = try await client.execute(request, deadline: .now() + Self.amount(timeout))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
            data = Data(buffer.readableBytesView)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw GatewayError("Razorpay did not answer within \(timeout) s")
        } catch is NIOTooManyBytesError {
            throw GatewayError("Razorpay's answer is larger than \(Self.maximumResponseBytes) bytes")
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            throw GatewayError("Razorpay closed the connection without an answer")
        } catch {
            throw GatewayError("cannot reach Razorpay: \(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard (200..<300).contains(status) else {
            let detail = ((object?["error"] as? [String: Any])?["description"] as? String) ?? "HTTP \(status)"
            throw GatewayError(status == 401 ? "Razorpay refused cartd's API credentials" : "Razorpay refused the order: \(detail)")
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
