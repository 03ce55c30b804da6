import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A ttrpc server on a Unix-domain socket.
///
/// Lifecycle: ``start()`` binds and begins accepting; ``shutdownGracefully()`` stops accepting,
/// answers new calls UNAVAILABLE, ends streams cleanly, waits for in-flight calls (up to the
/// grace period), then closes every connection and removes the socket file.
///
/// Thread-safe. Connection state lives on each connection's event loop; the registry of open
/// connections is behind a lock.
public final class TTRPCServer: Sendable {
    private struct ConnectionEntry: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ServerConnectionHandler>
    }

    private struct State: Sendable {
        var listener: (any Channel)?
        var socketInode: UInt64?
        var connections: [UInt64: ConnectionEntry] = [:]
        var pendingConnections = 0
        var nextConnectionID: UInt64 = 1
        var isShuttingDown = false
    }

    /// The server's configuration.
    public let configuration: ServerConfiguration
    private let router: Router
    private let group: any EventLoopGroup
    private let observer: any RPCObserver
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Creates a server (not yet listening).
    /// - Parameters:
    ///   - configuration: Address and limits.
    ///   - router: The methods served.
    ///   - group: The event loops connections run on.
    ///   - observer: Receives connection and call events (logs, metrics).
    ///   - logger: The server's logger.
    public init(configuration: ServerConfiguration, router: Router, group: any EventLoopGroup,
                observer: any RPCObserver = NoOpRPCObserver(), logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.group = group
        self.observer = observer
        self.logger = logger
    }

    /// The number of open connections.
    public var connectionCount: Int { state.withLockedValue { $0.connections.count } }

    /// Binds the socket and starts accepting connections.
    /// - Throws: ``SocketSetupError`` when the socket cannot be created, or a NIO error from bind.
    public func start() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: configuration.writeBufferWaterMark)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                self.initializeConnection(channel)
            }
        let listener: any Channel
        switch configuration.address {
        case .unixSocket(let path):
            try UnixSocketFile.prepare(path: path, allowInsecureDirectory: configuration.allowInsecureSocketDirectory)
            // No moment where the socket exists with looser permissions than asked for.
            let previousMask = umask(0o177)
            do {
                listener = try await bootstrap.bind(unixDomainSocketPath: path).get()
                umask(previousMask)
            } catch {
                umask(previousMask)
                throw SocketSetupError("cannot listen on \(path): \(error)")
            }
            let inode = try UnixSocketFile.finish(path: path, mode: configuration.socketMode,
                                                  group: configuration.socketGroup)
            state.withLockedValue { $0.socketInode = inode }
        case .inheritedDescriptor(let descriptor):
            listener = try await bootstrap.withBoundSocket(descriptor).get()
        }
        state.withLockedValue { $0.listener = listener }
        logger.info("listening", metadata: ["address": "\(configuration.address)"])
    }

    /// Waits until the listener closes (after ``shutdownGracefully()``).
    public func waitUntilClosed() async throws {
        guard let listener = state.withLockedValue({ $0.listener }) else { return }
        try await listener.closeFuture.get()
    }

    /// Stops the server gracefully; see the type's documentation.
    /// - Parameter gracePeriod: How long in-flight calls may still run; defaults to the configuration's.
    public func shutdownGracefully(gracePeriod: TimeAmount? = nil) async {
        let (listener, connections, inode) = state.withLockedValue { state in
            state.isShuttingDown = true
            return (state.listener, Array(state.connections.values), state.socketInode)
        }
        logger.info("shutting down: draining connections", metadata: ["connections": "\(connections.count)"])
        try? await listener?.close()
        if case .unixSocket(let path) = configuration.address, let inode {
            UnixSocketFile.remove(path: path, inode: inode)
        }
        for entry in connections {
            entry.channel.eventLoop.execute { entry.handler.value.beginDraining() }
        }
        let grace = gracePeriod ?? configuration.shutdownGracePeriod
        let deadline = NIODeadline.now() + grace
        while NIODeadline.now() < deadline {
            if await activeCalls(connections) == 0 { break }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        let stillBusy = await activeCalls(connections)
        if stillBusy > 0 {
            logger.notice("grace period over; closing connections with calls in flight",
                          metadata: ["calls": "\(stillBusy)"])
        }
        for entry in connections {
            try? await entry.channel.close()
        }
        logger.info("shut down")
    }

    private func activeCalls(_ connections: [ConnectionEntry]) async -> Int {
        var total = 0
        for entry in connections where entry.channel.isActive {
            total += (try? await entry.channel.eventLoop.submit { entry.handler.value.activeCallCount }.get()) ?? 0
        }
        return total
    }

    // MARK: Accepting

    private func initializeConnection(_ channel: any Channel) -> EventLoopFuture<Void> {
        let admitted: Bool = state.withLockedValue { state in
            guard !state.isShuttingDown, state.connections.count + state.pendingConnections < configuration.maxConnections
            else { return false }
            state.pendingConnections += 1
            return true
        }
        guard admitted else {
            observer.connectionRefused(peer: nil, reason: "connection limit \(configuration.maxConnections) reached")
            logger.notice("refusing connection: limit reached", metadata: ["limit": "\(configuration.maxConnections)"])
            return channel.close()
        }
        return PeerCredentials.of(channel).flatMapError { error in
            // Not a Unix socket (tests over socketpair still are): treat as unknown peer.
            self.logger.debug("cannot read peer credentials", metadata: ["error": "\(error)"])
            return channel.eventLoop.makeSucceededFuture(PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max))
        }.flatMap { peer in
            guard self.configuration.peerPolicy.allows(peer) else {
                self.state.withLockedValue { $0.pendingConnections -= 1 }
                self.observer.connectionRefused(peer: peer, reason: "peer not allowed")
                self.logger.notice("refusing connection from a peer that is not allowed",
                                   metadata: ["peer.uid": "\(peer.uid)", "peer.gid": "\(peer.gid)", "peer.pid": "\(peer.pid)"])
                return channel.close()
            }
            return self.installHandlers(channel, peer: peer)
        }
    }

    private func installHandlers(_ channel: any Channel, peer: PeerCredentials) -> EventLoopFuture<Void> {
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextConnectionID += 1 }
            return state.nextConnectionID
        }
        let handler = ServerConnectionHandler(router: router, configuration: configuration, peer: peer,
                                              connectionID: id, observer: observer, logger: logger,
                                              eventLoop: channel.eventLoop)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            state.withLockedValue { $0.pendingConnections -= 1 }
            return channel.eventLoop.makeFailedFuture(error)
        }
        let entry = ConnectionEntry(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        let drainNow = state.withLockedValue { state -> Bool in
            state.pendingConnections -= 1
            state.connections[id] = entry
            return state.isShuttingDown
        }
        if drainNow { handler.beginDraining() }
        observer.connectionOpened(id: id, peer: peer)
        channel.closeFuture.whenComplete { [self] _ in
            state.withLockedValue { _ = $0.connections.removeValue(forKey: id) }
            observer.connectionClosed(id: id, peer: peer)
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
