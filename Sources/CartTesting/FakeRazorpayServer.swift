import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A local stand-in for Razorpay's Orders API, for tests of cartd's `razorpay` gateway: real HTTP/1.1
/// over TCP on 127.0.0.1 (an ephemeral port), implementing Razorpay's documented `POST /v1/orders`.
///
/// - Authentication: HTTP Basic `key_id:key_secret` must match ``credentials``; otherwise 401 with
///   Razorpay's error body `{"error":{"code":"BAD_REQUEST_ERROR","description":"Authentication failed"}}`.
/// - Body: a JSON object with an integer `amount` (> 0, minor units), a 3-letter `currency`, a `receipt`
///   (≤ 40 characters) and optional `notes` (string values); anything else is 400 with Razorpay's error
///   shape naming the `field`.
/// - Success: 200 with an order entity, `{"id":"order_<14 chars>","entity":"order","amount":…,
///   "amount_paid":0,"amount_due":…,"currency":…,"receipt":…,"offer_id":null,"status":"created",
///   "attempts":0,"notes":…,"created_at":<unix s>}`.
///
/// Every request is recorded (``requests``), whatever the answer. ``mode`` injects faults.
///
/// Thread-safe.
public final class FakeRazorpayServer: Sendable {
    /// How the server answers requests to `/v1/orders`.
    public enum Mode: Sendable, Hashable {
        /// As Razorpay does.
        case normal
        /// A 500 with Razorpay's `SERVER_ERROR` body.
        case serverError
        /// Reads the request and never answers (until ``stop()``): longer than any client timeout.
        case stall
        /// Sends the response head of a 200 with a body it never sends (until ``stop()``).
        case stallAfterHead
        /// Reads the request and closes the connection without answering.
        case closeConnection
    }

    /// One request as received.
    public struct RecordedRequest: Sendable, Hashable {
        /// The HTTP method.
        public var method: String
        /// The request target (path and query).
        public var path: String
        /// The `Authorization` header, as sent.
        public var authorization: String?
        /// The `Content-Type` header, as sent.
        public var contentType: String?
        /// The raw body.
        public var body: [UInt8]
        /// `amount` when the body had an integer one.
        public var amount: Int64?
        /// `currency`, when a string.
        public var currency: String?
        /// `receipt`, when a string.
        public var receipt: String?
        /// `notes`, when an object of strings.
        public var notes: [String: String]?
        /// The status the server answered (0 when it stalled or closed the connection).
        public var responseStatus: Int
        /// The order id it answered with, on success.
        public var orderID: String?
    }

    /// An order the server created.
    public struct CreatedOrder: Sendable, Hashable {
        /// `order_…`.
        public var id: String
        /// In minor units.
        public var amount: Int64
        /// ISO-4217.
        public var currency: String
        /// The receipt sent (cartd's payment id).
        public var receipt: String
        /// The notes sent.
        public var notes: [String: String]
    }

    private struct State {
        var keyID: String
        var keySecret: String
        var mode: Mode = .normal
        var requests: [RecordedRequest] = []
        var orders: [CreatedOrder] = []
        var group: MultiThreadedEventLoopGroup?
        var channel: (any Channel)?
    }

    private let state: NIOLockedValueBox<State>

    /// Creates a server accepting `keyID:keySecret`; ``start()`` listens.
    public init(keyID: String, keySecret: String) {
        state = NIOLockedValueBox(State(keyID: keyID, keySecret: keySecret))
    }

    /// The Basic credentials accepted. Changing them simulates a key rotated at Razorpay: cartd's then get 401.
    public var credentials: (keyID: String, keySecret: String) {
        get { state.withLockedValue { ($0.keyID, $0.keySecret) } }
        set { state.withLockedValue { $0.keyID = newValue.keyID; $0.keySecret = newValue.keySecret } }
    }

    /// How requests are answered from now on.
    public var mode: Mode {
        get { state.withLockedValue { $0.mode } }
        set { state.withLockedValue { $0.mode = newValue } }
    }

    /// Every request received so far, in order.
    public var requests: [RecordedRequest] { state.withLockedValue { $0.requests } }

    /// Every order created so far, in order.
    public var orders: [CreatedOrder] { state.withLockedValue { $0.orders } }

    /// The base URL cartd should use (`http://127.0.0.1:PORT`), once started.
    public var baseURL: String? {
        state.withLockedValue { $0.channel?.localAddress?.port.map { "http://127.0.0.1:\($0)" } }
    }

    /// Listens on 127.0.0.1 on an ephemeral port.
    /// - Returns: The port.
    public func start() async throws -> Int {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(server: self))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        state.withLockedValue {
            $0.group = group
            $0.channel = channel
        }
        guard let port = channel.localAddress?.port else {
            await stop()
            throw TestDaemonError(description: "the fake Razorpay server has no port")
        }
        return port
    }

    /// Closes the listener and every connection (stalled ones too).
    public func stop() async {
        let (group, channel) = state.withLockedValue { state in
            defer {
                state.group = nil
                state.channel = nil
            }
            return (state.group, state.channel)
        }
        try? await channel?.close()
        try? await group?.shutdownGracefully()
    }

    // MARK: Answering

    /// What to send for a complete request.
    enum Reply {
        case respond(HTTPResponseStatus, [UInt8])
        case stall
        case headOnly
        case close
    }

    /// Decides the reply and records the request.
    func handle(head: HTTPRequestHead, body: [UInt8]) -> Reply {
        state.withLockedValue { state in
            var record = RecordedRequest(method: head.method.rawValue, path: head.uri,
                                         authorization: head.headers.first(name: "authorization"),
                                         contentType: head.headers.first(name: "content-type"), body: body,
                                         responseStatus: 0)
            let fields = Self.fields(body)
            record.amount = fields.amount
            record.currency = fields.currency
            record.receipt = fields.receipt
            record.notes = fields.notes
            let reply = Self.reply(to: head, fields: fields, state: &state, record: &record)
            if case .respond(let status, _) = reply { record.responseStatus = Int(status.code) }
            state.requests.append(record)
            return reply
        }
    }

    private static func reply(to head: HTTPRequestHead, fields: Fields, state: inout State,
                              record: inout RecordedRequest) -> Reply {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/v1/orders" else {
            return .respond(.notFound, error("BAD_REQUEST_ERROR", "The requested URL was not found on the server."))
        }
        guard head.method == .POST else {
            return .respond(.methodNotAllowed, error("BAD_REQUEST_ERROR", "The requested method is not allowed."))
        }
        switch state.mode {
        case .normal: break
        case .serverError:
            return .respond(.internalServerError, error("SERVER_ERROR", "We are facing some trouble completing your request at the moment. Please try again shortly."))
        case .stall: return .stall
        case .stallAfterHead: return .headOnly
        case .closeConnection: return .close
        }
        guard let (keyID, keySecret) = basicCredentials(head.headers.first(name: "authorization")),
              keyID == state.keyID, keySecret == state.keySecret else {
            return .respond(.unauthorized, error("BAD_REQUEST_ERROR", "Authentication failed"))
        }
        if let problem = fields.problem {
            return .respond(.badRequest, error("BAD_REQUEST_ERROR", problem.description, field: problem.field))
        }
        guard let amount = fields.amount, let currency = fields.currency, let receipt = fields.receipt else {
            return .respond(.badRequest, error("BAD_REQUEST_ERROR", "The request body is invalid."))
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let order = CreatedOrder(id: "order_" + String((0..<14).map { _ in alphabet.randomElement()! }),
                                 amount: amount, currency: currency, receipt: receipt, notes: fields.notes ?? [:])
        state.orders.append(order)
        record.orderID = order.id
        // Razorpay sends `notes` as an empty array when there are none.
        let notes: Any = fields.notes.map { $0 as Any } ?? [Any]()
        let entity: [String: Any] = [
            "id": order.id, "entity": "order", "amount": amount, "amount_paid": 0, "amount_due": amount,
            "currency": currency, "receipt": receipt, "offer_id": NSNull(), "status": "created", "attempts": 0,
            "notes": notes, "created_at": Int(Date().timeIntervalSince1970),
        ]
        return .respond(.ok, json(entity))
    }

    /// The decoded body fields, and the first thing wrong with them (Razorpay's order of checks is not documented).
    struct Fields {
        var amount: Int64?
        var currency: String?
        var receipt: String?
        var notes: [String: String]?
        var problem: (field: String, description: String)?
    }

    static func fields(_ body: [UInt8]) -> Fields {
        var fields = Fields()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            fields.problem = ("", "The request body is not valid JSON.")
            return fields
        }
        // An integer only: JSONDecoder refuses 100.5 and "100" for Int64, as Razorpay refuses them.
        struct Amount: Decodable { var amount: Int64 }
        fields.amount = try? JSONDecoder().decode(Amount.self, from: Data(body)).amount
        fields.currency = object["currency"] as? String
        fields.receipt = object["receipt"] as? String
        if let notes = object["notes"] as? [String: Any] {
            fields.notes = notes.compactMapValues { $0 as? String }
            if fields.notes?.count != notes.count { fields.problem = ("notes", "notes values must be strings") }
        } else if object["notes"] != nil, !(object["notes"] is NSNull) {
            fields.problem = ("notes", "The notes must be an object.")
        }
        if fields.problem == nil {
            if object["amount"] == nil {
                fields.problem = ("amount", "The amount field is required.")
            } else if (fields.amount ?? 0) <= 0 {
                fields.problem = ("amount", "The amount must be an integer greater than 0.")
            } else if !(fields.currency.map { $0.count == 3 && $0.allSatisfy { $0.isASCII && $0.isUppercase } } ?? false) {
                fields.problem = ("currency", "The currency must be a 3-letter ISO code.")
            } else if fields.receipt == nil || fields.receipt!.isEmpty {
                fields.problem = ("receipt", "The receipt field is required.")
            } else if fields.receipt!.count > 40 {
                fields.problem = ("receipt", "The receipt may not be greater than 40 characters.")
            }
        }
        return fields
    }

    /// `key_id` and `key_secret` of a `Basic` authorization header.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, let space = header.firstIndex(of: " "),
              header[..<space].lowercased() == "basic",
              let data = Data(base64Encoded: String(header[header.index(after: space)...]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static func error(_ code: String, _ description: String, field: String? = nil) -> [UInt8] {
        var error: [String: Any] = ["code": code, "description": description]
        if let field, !field.isEmpty { error["field"] = field }
        return json(["error": error])
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// One connection: collects a request, then answers as the server decides.
    private final class RequestHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: FakeRazorpayServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: FakeRazorpayServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                self.head = nil
                switch server.handle(head: head, body: body) {
                case .stall:
                    break
                case .headOnly:  // announces a body it never sends
                    writeHead(context: context, version: head.version, status: .ok, contentLength: 200)
                    context.flush()
                case .close:
                    context.close(promise: nil)
                case .respond(let status, let bytes):
                    writeHead(context: context, version: head.version, status: status, contentLength: bytes.count)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }

        private func writeHead(context: ChannelHandlerContext, version: HTTPVersion, status: HTTPResponseStatus,
                               contentLength: Int) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(contentLength))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
                          promise: nil)
        }
    }
}
