import ArgumentParser
import CartServer
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// `cartd`: the cartsync daemon.
@main
struct Cartd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cartd",
        abstract: "The cartsync daemon: carts, checkout, payments and orders over ttrpc on a Unix socket."
    )

    @Option(help: "The Unix socket to listen on (production: /run/cartd/cartd.sock).")
    var socket = "./.run/cartd.sock"

    @Option(help: "Socket file mode, octal.")
    var socketMode = "0600"

    @Option(help: "Group (name or gid) to own the socket file, for --socket-mode 0660.")
    var socketGroup: String?

    @Flag(help: "Allow the socket's directory to be writable by every user.")
    var allowInsecureSocketDir = false

    @Option(name: .customLong("allow-uid"), help: "A uid allowed to connect (repeatable; default: own uid and root).")
    var allowUIDs: [UInt32] = []

    @Option(name: .customLong("allow-gid"), help: "A gid whose members may connect (repeatable).")
    var allowGIDs: [UInt32] = []

    @Option(help: "Maximum open connections.")
    var maxConnections = 1024

    @Option(help: "Maximum calls in flight per connection.")
    var maxCallsPerConnection = 256

    @Option(help: "Seconds a connection may sit idle before it is closed.")
    var idleTimeout = 300

    @Option(help: "Seconds in-flight calls may run after SIGTERM before connections are closed.")
    var shutdownGrace = 10

    @Flag(help: .hidden)
    var enableTestService = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard UInt32(socketMode, radix: 8).map({ $0 <= 0o777 }) == true else {
            throw ValidationError("--socket-mode must be an octal mode such as 0600 or 0660, not \(socketMode)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard maxConnections > 0, maxCallsPerConnection > 0, idleTimeout > 0, shutdownGrace >= 0 else {
            throw ValidationError("limits and timeouts must be positive")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cartd")

        var configuration = ServerConfiguration(address: .unixSocket(path: socket))
        configuration.socketMode = UInt32(socketMode, radix: 8) ?? 0o600
        if let socketGroup { configuration.socketGroup = try resolveGroup(socketGroup) }
        configuration.allowInsecureSocketDirectory = allowInsecureSocketDir
        var policy = PeerPolicy.ownUserAndRoot
        if !allowUIDs.isEmpty { policy.allowedUIDs = Set(allowUIDs).union([UInt32(getuid())]) }
        policy.allowedGIDs = Set(allowGIDs)
        configuration.peerPolicy = policy
        configuration.maxConnections = maxConnections
        configuration.maxConcurrentCallsPerConnection = maxCallsPerConnection
        configuration.idleTimeout = .seconds(Int64(idleTimeout))
        configuration.shutdownGracePeriod = .seconds(Int64(shutdownGrace))

        let health = HealthState(knownServices: [HealthService.name])
        var router = Router()
        HealthService.register(in: &router, state: health)
        if enableTestService { TestService.register(in: &router) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let server = TTRPCServer(configuration: configuration, router: router, group: group,
                                 logger: logger)
        let service = RPCServerService(server: server, health: health, logger: logger)
        let serviceGroup = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        do {
            try await serviceGroup.run()
        } catch let error as SocketSetupError {
            logger.critical("cannot start: \(error.message)")
            try? await group.shutdownGracefully()
            throw ExitCode(2)
        }
        try await group.shutdownGracefully()
    }

    private func resolveGroup(_ name: String) throws -> UInt32 {
        if let gid = UInt32(name) { return gid }
        guard let entry = getgrnam(name) else { throw ValidationError("--socket-group: no group named \(name)") }
        return entry.pointee.gr_gid
    }
}
