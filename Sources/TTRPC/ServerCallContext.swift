import Logging
import NIOCore

/// Everything a method handler knows about the call it serves.
///
/// Immutable; share it freely (a class, so the closures a handler builds around it capture one
/// reference rather than copying a dozen). The handler runs on ``eventLoop`` and may complete there
/// synchronously (the fast path) or later from any thread through the returned future.
public final class ServerCallContext: Sendable {
    /// The service, e.g. `cart.v1.CartService`.
    public let service: String
    /// The method, e.g. `GetCart`.
    public let method: String
    /// The call's metadata (keys lowercased).
    public let metadata: Metadata
    /// When the caller stops waiting, if it sent a deadline.
    public let deadline: NIODeadline?
    /// The peer's credentials (SO_PEERCRED), when the transport is a Unix socket.
    public let peer: PeerCredentials?
    /// The event loop of the call's connection.
    public let eventLoop: any EventLoop
    /// The connection's buffer allocator.
    public let allocator: ByteBufferAllocator
    /// The connection's logger, carrying `connection.id` and `peer.uid`.
    public let logger: Logger
    /// Signalled when the call ends early (client gone, deadline, shutdown).
    public let cancellation: CallCancellation
    /// The call's stream id on its connection.
    public let streamID: UInt32
    /// A per-daemon unique id of the call, for logs: "connection-stream".
    public var requestID: String { "\(connectionID)-\(streamID)" }
    /// The connection's id, for logs and metrics.
    public let connectionID: UInt64
    /// Facts the handler records for the call's log line (`cart.id`, `payment.id`, …).
    public let annotations: CallAnnotations

    /// Creates a context (the server does this; tests may too).
    public init(service: String, method: String, metadata: Metadata, deadline: NIODeadline?,
                peer: PeerCredentials?, eventLoop: any EventLoop, allocator: ByteBufferAllocator, logger: Logger,
                cancellation: CallCancellation, streamID: UInt32, connectionID: UInt64,
                annotations: CallAnnotations = CallAnnotations()) {
        self.service = service
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.eventLoop = eventLoop
        self.allocator = allocator
        self.logger = logger
        self.cancellation = cancellation
        self.streamID = streamID
        self.connectionID = connectionID
        self.annotations = annotations
    }
}
