import Logging
import NIOCore
import ServiceLifecycle
import TTRPC

/// Runs a ``TTRPCServer`` as a ServiceLifecycle `Service`: listens when run, and on graceful shutdown
/// (SIGTERM/SIGINT) marks health NOT_SERVING, drains and stops.
public struct RPCServerService: Service {
    /// The server.
    public let server: TTRPCServer
    private let health: HealthState
    private let logger: Logger
    private let onListening: @Sendable () -> Void

    /// Creates the service.
    /// - Parameters:
    ///   - server: The server to run.
    ///   - health: Flipped to NOT_SERVING when shutdown begins.
    ///   - logger: For lifecycle messages.
    ///   - onListening: Called once the socket accepts connections (e.g. to notify systemd).
    public init(server: TTRPCServer, health: HealthState, logger: Logger,
                onListening: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.health = health
        self.logger = logger
        self.onListening = onListening
    }

    /// Listens until graceful shutdown or cancellation, then drains.
    public func run() async throws {
        try await server.start()
        onListening()
        // Suspends until SIGTERM/SIGINT (graceful shutdown) or cancellation.
        try? await gracefulShutdown()
        health.markNotServing()
        await server.shutdownGracefully()
    }
}
