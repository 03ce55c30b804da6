import CartProto
import ProtobufCSupport
import NIOCore
import NIOPosix
import TTRPC

/// The error type of every ``CartClient`` call: the daemon's status code and message.
public typealias RPCError = TTRPC.RPCError
/// google.rpc.Code values, as in ``RPCError/code``.
public typealias StatusCode = TTRPC.StatusCode

/// The Swift client of `cartd`: typed async calls for every RPC, over one multiplexed connection
/// that is re-opened when it breaks.
///
/// Thread-safe; share one client per process. Calls that are safe to repeat (reads, and mutations
/// with an idempotency key) are retried on UNAVAILABLE and broken connections with backoff.
public final class CartClient: Sendable {
    /// The configuration.
    public let configuration: CartClientConfiguration
    let connections: ConnectionManager

    /// Creates a client for the daemon at `socketPath`; connects on first use.
    /// - Parameters:
    ///   - socketPath: The daemon's socket.
    ///   - token: A JWT for `authorization: Bearer`, or `nil`.
    public convenience init(socketPath: String, token: String? = nil) {
        self.init(configuration: CartClientConfiguration(socketPath: socketPath, token: token))
    }

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: Socket, token, timeouts, retries.
    ///   - group: The event loops; defaults to NIO's shared group.
    public init(configuration: CartClientConfiguration,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.connections = ConnectionManager(socketPath: configuration.socketPath,
                                             connectTimeout: configuration.connectTimeout, group: group)
    }

    /// Closes the connection.
    public func close() async { await connections.close() }

    /// `grpc.health.v1.Health/Check`.
    /// - Parameter service: A service name, or "" for the daemon as a whole.
    /// - Returns: The serving status.
    public func health(service: String = "") async throws(RPCError) -> HealthCheckResponse.ServingStatus {
        let response = try await unary(service: "grpc.health.v1.Health", method: "Check",
                                       request: HealthCheckRequest(service: service),
                                       response: HealthCheckResponse.self, retryable: true)
        return response.status
    }

    /// Makes a unary call with the client's token, deadline and retry policy.
    /// - Parameters:
    ///   - retryable: Whether the call may be repeated (a read, or a mutation carrying an idempotency key).
    ///   - metadata: Extra metadata (the token is added).
    ///   - timeout: Overrides the default deadline.
    func unary<Request: ProtoEncodable, Response: ProtoDecodable>(
        service: String, method: String, request: Request, response: Response.Type, retryable: Bool,
        metadata extra: Metadata = Metadata(), timeout: TimeAmount? = nil
    ) async throws(RPCError) -> Response {
        let metadata = authorizedMetadata(extra)
        let attempts = retryable ? max(1, configuration.retry.maxAttempts) : 1
        var attempt = 1
        while true {
            let connection: TTRPCClientConnection
            do {
                connection = try await connections.connection()
                return try await connection.call(service: service, method: method, request: request,
                                                 response: Response.self, metadata: metadata,
                                                 timeout: timeout ?? configuration.defaultTimeout)
            } catch where error.code == .unavailable {
                if attempt >= attempts { throw error }
            }
            attempt += 1
            let wait = configuration.retry.backoff(beforeAttempt: attempt)
            try? await Task.sleep(nanoseconds: UInt64(max(wait.nanoseconds, 0)))
        }
    }
}
