import NIOCore
import ProtobufCSupport

extension Router {
    /// Registers a unary method with typed request and response messages.
    ///
    /// The request is decoded on the event loop (an undecodable payload answers INVALID_ARGUMENT
    /// without calling `body`); the response is encoded where the future completes.
    @inlinable
    public mutating func registerUnary<Request: ProtoDecodable, Response: ProtoEncodable>(
        service: String, method: String, request: Request.Type = Request.self, response: Response.Type = Response.self,
        _ body: @escaping @Sendable (Request, ServerCallContext) -> EventLoopFuture<Response>
    ) {
        register(service: service, method: method, .unary { payload, context in
            let request: Request
            do { request = try payload.readProtoMessage(as: Request.self) } catch {
                return context.eventLoop.makeFailedFuture(error)
            }
            return body(request, context).map { response in context.allocator.buffer(protoMessage: response) }
        })
    }

    /// Registers a unary method whose handler answers at once on the event loop (no future): the
    /// response it returns is encoded and written straight away; what it throws is the call's status.
    @inlinable
    public mutating func registerUnaryNow<Request: ProtoDecodable, Response: ProtoEncodable>(
        service: String, method: String, request: Request.Type = Request.self, response: Response.Type = Response.self,
        _ body: @escaping @Sendable (Request, ServerCallContext) throws -> Response
    ) {
        register(service: service, method: method, .unaryAnswer { payload, context in
            .now(Result {
                let request = try payload.readProtoMessage(as: Request.self)
                return context.allocator.buffer(protoMessage: try body(request, context))
            })
        })
    }

    /// Registers a unary method implemented with async/await (one task hop per call; keep hot paths on
    /// ``registerUnary(service:method:request:response:_:)``).
    public mutating func registerUnaryAsync<Request: ProtoDecodable, Response: ProtoEncodable>(
        service: String, method: String, request: Request.Type = Request.self, response: Response.Type = Response.self,
        _ body: @escaping @Sendable (Request, ServerCallContext) async throws -> Response
    ) {
        registerUnary(service: service, method: method, request: Request.self, response: Response.self) { request, context in
            context.eventLoop.makeFutureWithTask { try await body(request, context) }
        }
    }

    /// Registers a server-streaming method with typed messages.
    @inlinable
    public mutating func registerServerStreaming<Request: ProtoDecodable, Response: ProtoEncodable>(
        service: String, method: String, request: Request.Type = Request.self,
        _ body: @escaping @Sendable (Request, ServerCallContext, TypedStreamWriter<Response>) -> EventLoopFuture<Void>
    ) {
        register(service: service, method: method, .serverStreaming { payload, context, writer in
            let request: Request
            do { request = try payload.readProtoMessage(as: Request.self) } catch {
                return context.eventLoop.makeFailedFuture(error)
            }
            return body(request, context, TypedStreamWriter(writer: writer, allocator: context.allocator))
        })
    }
}

/// Sends typed messages on a server stream. Thread-safe, like ``ServerStreamWriter``.
public struct TypedStreamWriter<Message: ProtoEncodable>: Sendable {
    /// The untyped writer.
    public let writer: ServerStreamWriter
    @usableFromInline
    let allocator: ByteBufferAllocator

    @usableFromInline
    init(writer: ServerStreamWriter, allocator: ByteBufferAllocator) {
        self.writer = writer
        self.allocator = allocator
    }

    /// Encodes and sends one message.
    /// - Returns: A future that succeeds when the frame was written; see ``ServerStreamWriter/send(_:)``.
    public func send(_ message: Message) -> EventLoopFuture<Void> {
        writer.send(allocator.buffer(protoMessage: message))
    }
}

extension TTRPCClientConnection {
    /// Makes a unary call with typed messages.
    /// - Throws: ``RPCError``: the server's status, a client-side UNAVAILABLE/DEADLINE_EXCEEDED, or
    ///   INTERNAL when the response does not decode.
    public func call<Request: ProtoEncodable, Response: ProtoDecodable>(
        service: String, method: String, request: Request, response: Response.Type = Response.self,
        metadata: Metadata = Metadata(), timeout: TimeAmount? = nil
    ) async throws(RPCError) -> Response {
        let payload = channel.allocator.buffer(protoMessage: request)
        let reply = try await unary(service: service, method: method, payload: payload, metadata: metadata,
                                    timeout: timeout)
        do {
            return try reply.readProtoMessage(as: Response.self)
        } catch {
            throw RPCError(code: .internal, message: "the server's reply did not decode: \(error.message)")
        }
    }

    /// Makes a unary call with typed messages, returning a future (no task hop).
    @inlinable
    public func callFuture<Request: ProtoEncodable, Response: ProtoDecodable>(
        service: String, method: String, request: Request, response: Response.Type = Response.self,
        metadata: Metadata = Metadata(), timeout: TimeAmount? = nil
    ) -> EventLoopFuture<Response> {
        let payload = channel.allocator.buffer(protoMessage: request)
        return unaryCall(service: service, method: method, payload: payload, metadata: metadata, timeout: timeout)
            .flatMapThrowing { reply in
                do throws(RPCError) {
                    return try reply.readProtoMessage(as: Response.self)
                } catch {
                    throw RPCError(code: .internal, message: "the server's reply did not decode: \(error.message)")
                }
            }
    }

    /// Starts a server-streaming call with typed messages.
    /// - Returns: The decoded messages; the sequence throws ``RPCError`` as the untyped one does.
    public func streamingCall<Request: ProtoEncodable, Response: ProtoDecodable>(
        service: String, method: String, request: Request, response: Response.Type = Response.self,
        metadata: Metadata = Metadata(), timeout: TimeAmount? = nil
    ) -> AsyncThrowingMapSequence<AsyncThrowingStream<ByteBuffer, any Error>, Response> {
        let payload = channel.allocator.buffer(protoMessage: request)
        return serverStreamingCall(service: service, method: method, payload: payload, metadata: metadata,
                                   timeout: timeout)
            .map { buffer in try buffer.readProtoMessage(as: Response.self) }
    }
}
