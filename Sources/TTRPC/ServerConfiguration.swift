import NIOCore

/// Where the server listens.
public enum ListenAddress: Sendable, Hashable {
    /// A Unix-domain socket path the server creates (and removes on exit).
    case unixSocket(path: String)
    /// An already-bound, listening socket inherited from the parent (systemd socket activation).
    case inheritedDescriptor(CInt)
}

/// Limits and policies of a ttrpc server.
public struct ServerConfiguration: Sendable {
    /// Where to listen.
    public var address: ListenAddress
    /// Socket file mode (only for ``ListenAddress/unixSocket(path:)``); default 0600.
    public var socketMode: UInt32 = 0o600
    /// Group to own the socket file (gid), so members of it can connect with mode 0660.
    public var socketGroup: UInt32?
    /// Refuse to create the socket in a directory that others can write to, unless this is set.
    public var allowInsecureSocketDirectory = false
    /// Who may connect.
    public var peerPolicy: PeerPolicy = .ownUserAndRoot
    /// At most this many open connections; further connections are closed at accept.
    public var maxConnections = 1024
    /// At most this many calls in flight on one connection; further calls get RESOURCE_EXHAUSTED.
    public var maxConcurrentCallsPerConnection = 256
    /// A connection with no call in flight and no frame received for this long is closed.
    public var idleTimeout: TimeAmount = .minutes(5)
    /// A connection whose socket stays unwritable (the peer does not read) this long is closed.
    public var unwritableTimeout: TimeAmount = .seconds(30)
    /// A connection whose frame takes longer than this from its first byte to its last is closed
    /// (slow-loris; a stalled partial frame also pins up to 4 MiB of buffer). Not counted while the
    /// server has stopped reading because the peer does not read (``unwritableTimeout`` applies then).
    public var frameTimeout: TimeAmount = .seconds(30)
    /// Write buffer watermarks per connection: above `high` the server stops reading requests.
    public var writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 64 * 1024, high: 256 * 1024)
    /// Limits on request metadata.
    public var envelopeLimits = EnvelopeLimits()
    /// The largest frame data accepted and sent (ttrpc: 4 MiB).
    public var maxMessageLength = TTRPCWire.maxMessageLength
    /// How long in-flight calls may run after shutdown begins before connections are closed.
    public var shutdownGracePeriod: TimeAmount = .seconds(10)

    /// Creates a configuration with defaults for everything but the address.
    public init(address: ListenAddress) {
        self.address = address
    }
}
