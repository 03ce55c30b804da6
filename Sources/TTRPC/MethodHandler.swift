import NIOCore

/// The implementation of one RPC method.
///
/// Handlers are called on the connection's event loop. A handler that can answer at once should
/// return an already-completed future from `context.eventLoop` (no thread hop); one that must
/// wait may complete its future later from any thread.
public enum MethodHandler: Sendable {
    /// One request message in, one response message out.
    /// The closure gets the encoded request and returns the encoded response.
    case unary(@Sendable (_ request: ByteBuffer, _ context: ServerCallContext) -> EventLoopFuture<ByteBuffer>)

    /// A unary method that may answer at once (see ``CallAnswer``): an answer ready when the closure
    /// returns is written without a future.
    case unaryAnswer(@Sendable (_ request: ByteBuffer, _ context: ServerCallContext) -> CallAnswer<ByteBuffer>)

    /// One request message in, a stream of response messages out (ttrpc 1.2 Data frames).
    /// The closure sends messages through the writer; its future completes when the stream is
    /// done (success ends the stream with flags 0x05, failure with a Response carrying the status).
    case serverStreaming(
        @Sendable (_ request: ByteBuffer, _ context: ServerCallContext, _ writer: ServerStreamWriter)
            -> EventLoopFuture<Void>
    )

    /// Whether the method streams its responses.
    public var isStreaming: Bool {
        if case .serverStreaming = self { return true }
        return false
    }
}

/// Maps (service, method) names to handlers. Built before the server starts; read-only after.
public struct Router: Sendable {
    /// A handler found for a call, with its registration index (stable for the router's life; used to
    /// key per-method metrics without hashing names).
    public struct Resolved: Sendable {
        /// The handler.
        public var handler: MethodHandler
        /// Its registration index.
        public var index: Int
    }

    private var services: [String: [String: Resolved]] = [:]
    private var count = 0

    /// Creates an empty router.
    public init() {}

    /// Registers a handler, replacing any handler of the same name.
    /// - Parameters:
    ///   - service: Full proto name of the service, e.g. `grpc.health.v1.Health`.
    ///   - method: Bare method name, e.g. `Check`.
    ///   - handler: The implementation.
    public mutating func register(service: String, method: String, _ handler: MethodHandler) {
        let index = services[service]?[method]?.index ?? count
        if index == count { count += 1 }
        services[service, default: [:]][method] = Resolved(handler: handler, index: index)
    }

    /// Adds every method of another router.
    public mutating func merge(_ other: Router) {
        for (service, methods) in other.services {
            for (method, resolved) in methods { register(service: service, method: method, resolved.handler) }
        }
    }

    /// Looks up a handler.
    /// - Returns: The handler, or the UNIMPLEMENTED error the caller should get.
    public func resolve(service: String, method: String) -> Result<Resolved, RPCError> {
        guard let methods = services[service] else {
            return .failure(RPCError(code: .unimplemented, message: "service \(service) is not served here"))
        }
        guard let handler = methods[method] else {
            return .failure(RPCError(code: .unimplemented, message: "method \(method) is not part of service \(service)"))
        }
        return .success(handler)
    }

    /// The names of all registered services.
    public var serviceNames: [String] { services.keys.sorted() }
}
