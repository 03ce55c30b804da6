import NIOCore

/// What the server reports about one finished call (for logs and metrics).
public struct CallRecord: Sendable {
    /// The service name as the client sent it (possibly unknown).
    public var service: String
    /// The method name as the client sent it (possibly unknown).
    public var method: String
    /// The outcome.
    public var code: StatusCode
    /// The error message, when the call failed.
    public var message: String?
    /// The underlying local error, when the call failed with one (never sent to the client).
    public var cause: (any Error)?
    /// How long the call took, in nanoseconds.
    public var durationNanos: Int64
    /// The connection the call came on.
    public var connectionID: UInt64
    /// The call's stream id on its connection.
    public var streamID: UInt32
    /// "connection-stream", unique within the daemon's run.
    public var requestID: String { "\(connectionID)-\(streamID)" }
    /// The registration index of the method (see ``Router``), or `nil` when no handler was found.
    public var methodIndex: Int?
    /// The peer's credentials.
    public var peer: PeerCredentials?
    /// Whether the method streams.
    public var isStreaming: Bool
    /// Whether the call reached a handler (false for protocol errors such as a bad stream id).
    public var reachedHandler: Bool
    /// What the handler recorded about the call.
    public var annotations: [(String, String)] = []
}

/// Receives the server's events; every method is called on a connection's event loop and must
/// not block. Default implementations do nothing.
public protocol RPCObserver: Sendable {
    /// A connection was accepted (after the peer check).
    func connectionOpened(id: UInt64, peer: PeerCredentials?)
    /// A connection closed.
    func connectionClosed(id: UInt64, peer: PeerCredentials?)
    /// A connection was refused: peer not allowed or too many connections.
    func connectionRefused(peer: PeerCredentials?, reason: String)
    /// A call finished (successfully or not).
    func callFinished(_ record: CallRecord)
}

extension RPCObserver {
    /// Does nothing.
    public func connectionOpened(id: UInt64, peer: PeerCredentials?) {}
    /// Does nothing.
    public func connectionClosed(id: UInt64, peer: PeerCredentials?) {}
    /// Does nothing.
    public func connectionRefused(peer: PeerCredentials?, reason: String) {}
    /// Does nothing.
    public func callFinished(_ record: CallRecord) {}
}

/// An observer that ignores everything.
public struct NoOpRPCObserver: RPCObserver {
    /// Creates one.
    public init() {}
}
