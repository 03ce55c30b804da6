import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One client connection to a ttrpc server over a Unix-domain socket, multiplexing many calls.
///
/// Thread-safe: calls may be made from any thread or task concurrently. A connection that closes
/// fails its open calls with UNAVAILABLE and every later call too; open a new one to go on
/// (``CartClient`` does this for you).
public final class TTRPCClientConnection: Sendable {
    /// The underlying channel.
    public let channel: any Channel
    private let handler: NIOLoopBound<ClientHandler>

    private init(channel: any Channel, handler: NIOLoopBound<ClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects to a server.
    /// - Parameters:
    ///   - unixSocketPath: The server's socket.
    ///   - group: The event loops to use; defaults to NIO's shared singleton group.
    ///   - connectTimeout: How long to wait for the connection.
    ///   - maxMessageLength: The largest request sent (4 MiB, as ttrpc).
    /// - Throws: ``RPCError`` UNAVAILABLE saying why the connection failed.
    public static func connect(
        unixSocketPath: String,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5),
        maxMessageLength: Int = TTRPCWire.maxMessageLength
    ) async throws(RPCError) -> TTRPCClientConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(maxMessageLength: maxMessageLength))
                }
            }
        do {
            let channel = try await bootstrap.connect(unixDomainSocketPath: unixSocketPath).get()
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ClientHandler.self),
                             eventLoop: channel.eventLoop)
            }.get()
            return TTRPCClientConnection(channel: channel, handler: handler)
        } catch {
            throw RPCError(code: .unavailable, message: "cannot connect to \(unixSocketPath): \(describe(error))", cause: error)
        }
    }

    /// Whether the connection is open.
    public var isActive: Bool { channel.isActive }

    /// A future that completes when the connection closes.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Makes a unary call, returning a future (no task hop: suited to event-loop code and benchmarks).
    /// - Parameters:
    ///   - service: Full service name.
    ///   - method: Method name.
    ///   - payload: The encoded request.
    ///   - metadata: Call metadata.
    ///   - timeout: The deadline, sent to the server and enforced locally.
    /// - Returns: The encoded response; fails with ``RPCError``.
    public func unaryCall(service: String, method: String, payload: ByteBuffer, metadata: Metadata = Metadata(),
                          timeout: TimeAmount? = nil) -> EventLoopFuture<ByteBuffer> {
        let envelope = RequestEnvelope(service: service, method: method, payload: payload,
                                       timeoutNano: timeout.map { max($0.nanoseconds, 1) } ?? 0, metadata: metadata)
        return unaryCall(envelope, localDeadline: timeout.map { .now() + $0 })
    }

    /// Makes a unary call with a prepared envelope.
    /// - Parameters:
    ///   - envelope: The request, with the `timeoutNano` to send as is.
    ///   - localDeadline: When to stop waiting locally; `nil` waits for the server's answer.
    public func unaryCall(_ envelope: RequestEnvelope, localDeadline: NIODeadline?) -> EventLoopFuture<ByteBuffer> {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        send(ClientRequest(envelope: envelope, receiver: .unary(promise), localDeadline: localDeadline))
        return promise.futureResult
    }

    /// Makes a unary call.
    /// - Throws: ``RPCError`` with the server's status, or UNAVAILABLE/DEADLINE_EXCEEDED from the client side.
    public func unary(service: String, method: String, payload: ByteBuffer, metadata: Metadata = Metadata(),
                      timeout: TimeAmount? = nil) async throws(RPCError) -> ByteBuffer {
        do {
            return try await unaryCall(service: service, method: method, payload: payload, metadata: metadata,
                                       timeout: timeout).get()
        } catch {
            throw RPCError(from: error)
        }
    }

    /// Starts a server-streaming call.
    ///
    /// The sequence yields each message, finishes when the server ends the stream cleanly, and throws
    /// ``RPCError`` when it ends with a status or the connection closes. ttrpc has no cancel frame:
    /// a consumer that stops early only stops listening; close the connection to stop the server.
    /// - Returns: The messages.
    public func serverStreamingCall(service: String, method: String, payload: ByteBuffer,
                                    metadata: Metadata = Metadata(),
                                    timeout: TimeAmount? = nil) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let envelope = RequestEnvelope(service: service, method: method, payload: payload,
                                       timeoutNano: timeout.map { max($0.nanoseconds, 1) } ?? 0, metadata: metadata)
        send(ClientRequest(envelope: envelope, receiver: .stream(continuation), localDeadline: timeout.map { .now() + $0 }))
        return stream
    }

    /// Hands a call to the handler on the event loop (at once when already there).
    private func send(_ request: ClientRequest) {
        if channel.eventLoop.inEventLoop {
            handler.value.send(request)
        } else {
            channel.eventLoop.execute { [handler] in handler.value.send(request) }
        }
    }

    /// The number of calls waiting for an answer.
    public func pendingCallCount() async -> Int {
        (try? await channel.eventLoop.submit { [handler] in handler.value.pendingCount }.get()) ?? 0
    }

    /// Closes the connection; open calls fail with UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }
}

/// A short description of a connection-level error.
func describe(_ error: any Error) -> String {
    if let rpc = error as? RPCError { return rpc.message }
    if let io = error as? IOError {
        let reason = String(cString: strerror(io.errnoCode))
        switch io.errnoCode {
        case ENOENT: return "\(reason) (is cartd running?)"
        case ECONNREFUSED: return "\(reason) (the socket exists but nothing listens on it; is cartd running?)"
        case EACCES: return "\(reason) (check the socket's permissions and your group)"
        default: return reason
        }
    }
    return "\(error)"
}
