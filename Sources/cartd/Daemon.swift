import CartAuth
import CartCore
import CartServer
import CartStoreSQLite
import Foundation
import Logging
import NIOCore
import NIOPosix
import Prometheus
import PrometheusTimers
import ServiceLifecycle
import TTRPC

/// Builds cartd from its settings and runs it until SIGTERM/SIGINT.
struct Daemon {
    let settings: DaemonSettings
    let logger = Logger(label: "cartd")

    /// Runs the daemon.
    /// - Returns: The process exit status (0 after a graceful shutdown, 2 when start-up failed).
    func run() async -> Int32 {
        do {
            return try await start()
        } catch let error as StartupError {
            logger.critical("cannot start: \(error.message)")
            return 2
        } catch let error as SocketSetupError {
            logger.critical("cannot start: \(error.message)")
            return 2
        } catch {
            logger.critical("cannot start: \(error)")
            return 2
        }
    }

    private func start() async throws -> Int32 {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .microseconds(2_500_000),
            .seconds(5),
        ]
        let services: Set<String> = [HealthService.name, CartService.name, CatalogService.name, PaymentService.name,
                                     AdminService.name]
        // Timers (one per call) as our own histograms; the text is the same as Prometheus's own.
        let timerFactory = HistogramTimerFactory(base: factory)
        let metrics = CartMetrics(factory: timerFactory, knownServices: services)
        let metricsText: @Sendable () -> String = {
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            timerFactory.timers.emit(into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }

        let store = try openStore(metrics: metrics)
        try seedCatalogIfEmpty(store)
        let verifier = await TokenVerifier.make(keys: try signingKeys(), policy: tokenPolicy())
        let auth = Authenticator(verifier: verifier, adminUIDs: Set(settings.adminUIDs)) { hit in
            (hit ? metrics.tokenCacheHits : metrics.tokenCacheMisses).increment()
        }
        let hub = WatchHub { count in metrics.watchers.record(count) }

        var cartConfiguration = CartServiceConfiguration()
        cartConfiguration.defaultCurrency = settings.currency
        cartConfiguration.rules = CartRules(maxLineQuantity: settings.maxLineQuantity, maxLines: settings.maxLines)
        var cartEvents = CartEvents()
        cartEvents.cartCreated = { metrics.cartsCreated.increment() }
        cartEvents.itemsAdded = { metrics.itemsAdded.increment(by: $0) }
        cartEvents.idempotentReplay = { metrics.idempotentReplays.increment() }
        var paymentEvents = PaymentEvents()
        paymentEvents.checkout = { metrics.checkout($0) }
        paymentEvents.payment = { metrics.payment($0) }
        paymentEvents.orderCreated = { metrics.ordersCreated.increment() }
        var checkout = CheckoutRules()
        // The hidden --reservation-seconds (tests of expiry) overrides --reservation-minutes.
        checkout.reservationMs = settings.reservationSeconds.map { Int64($0) * 1_000 }
            ?? Int64(settings.reservationMinutes) * 60_000
        let paymentsLogger = Logger(label: "payments")

        // Everything that can refuse to start comes before the event loops and the gateway (its HTTP
        // client), which must be shut down once created.
        let listener = try serverConfiguration()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.eventLoopThreads ?? System.coreCount)
        let gateway: any PaymentGateway
        do {
            gateway = try makeGateway(group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let health = HealthState(knownServices: services)
        var router = Router()
        HealthService.register(in: &router, state: health)
        CartService(store: store, auth: auth, hub: hub, configuration: cartConfiguration, events: cartEvents)
            .register(in: &router)
        CatalogService(store: store, auth: auth).register(in: &router)
        PaymentService(store: store, auth: auth, hub: hub, gateway: gateway, rules: checkout,
                       defaultCurrency: settings.currency, events: paymentEvents, logger: paymentsLogger)
            .register(in: &router)
        AdminService(carts: store, payments: store, admin: store, auth: auth, hub: hub, rules: cartConfiguration.rules,
                     defaultCurrency: settings.currency, metricsText: metricsText, logger: logger)
            .register(in: &router)
        if settings.enableTestService { TestService.register(in: &router) }

        let observer = CallObserver(metrics: metrics, logger: Logger(label: "cart"))
        let server = TTRPCServer(configuration: listener, router: router, group: group,
                                 observer: observer, logger: logger)
        var lifecycle: [any Service] = [
            MaintenanceService(store: store, retentionMs: Int64(settings.idempotencyRetentionHours) * 3_600_000,
                               logger: logger),
            ExpirySweeper(store: store, interval: .seconds(settings.expirySweepSeconds), events: paymentEvents,
                          reservationsPending: { metrics.reservationsPending.record($0) }, logger: paymentsLogger),
        ]
        if let listen = settings.metricsListen, let (host, port) = DaemonSettings.hostPort(listen) {
            lifecycle.append(MetricsHTTPServer(host: host, port: port, group: group, logger: logger,
                                               metricsText: metricsText))
        }
        lifecycle.append(MemoryTrimmer(logger: logger))
        lifecycle.append(RPCServerService(server: server, health: health, logger: logger))
        let serviceGroup = ServiceGroup(services: lifecycle, gracefulShutdownSignals: [.sigterm, .sigint],
                                        cancellationSignals: [], logger: logger)
        do {
            try await serviceGroup.run()
        } catch {
            await gateway.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        await gateway.shutdown()
        try? await group.shutdownGracefully()
        return 0
    }

    private func openStore(metrics: CartMetrics) throws -> SQLiteStore {
        let directory = (settings.database as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        var options = SQLiteStoreOptions()
        options.synchronous = settings.sqliteSynchronous
        options.idempotencyRetentionMs = Int64(settings.idempotencyRetentionHours) * 3_600_000
        do {
            let store = try SQLiteStore(path: settings.database, options: options) { nanoseconds in
                metrics.storeTransactionDuration.recordNanoseconds(nanoseconds)
            }
            logger.info("store open", metadata: ["database": "\(settings.database)",
                                                 "synchronous": "\(settings.sqliteSynchronous.rawValue)"])
            return store
        } catch let error as StoreError {
            throw StartupError("cannot open the database \(settings.database): \(error.message) (\(error.detail))")
        }
    }

    private func seedCatalogIfEmpty(_ store: SQLiteStore) throws {
        guard let path = settings.seedCatalog else { return }
        guard try store.listProducts(afterID: nil, limit: 1).isEmpty else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StartupError("cannot read the seed catalog \(path)")
        }
        do {
            let count = try store.upsertProducts(try CatalogFile.decode(data))
            logger.info("catalog seeded", metadata: ["file": "\(path)", "products": "\(count)"])
        } catch let error as CartError {
            throw StartupError("the seed catalog \(path) is not valid: \(error.message)")
        }
    }

    private func signingKeys() throws -> [SigningKey] {
        var keys: [SigningKey] = []
        do {
            if let file = settings.jwtSecretFile {
                keys.append(SigningKey(id: nil, secret: try SigningKey.secret(
                    fromFile: file, minimumBytes: SigningKey.minimumTokenSecretBytes)))
            }
            for spec in settings.jwtKeys {
                keys.append(try Self.parseKey(spec))
            }
        } catch let error as AuthError {
            throw StartupError(error.message)
        }
        if keys.isEmpty {
            logger.warning("no --jwt-secret-file: a random secret is used, so no token can be valid; only Health and admin peers are served")
            keys.append(SigningKey(id: nil, secret: (0..<32).map { _ in UInt8.random(in: 0...255) }))
        }
        return keys
    }

    /// Parses `KID=FILE` or `KID=FILE@UNTIL`.
    static func parseKey(_ spec: String) throws -> SigningKey {
        guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
            throw StartupError("jwt-key \(spec) must be KID=FILE or KID=FILE@UNTIL")
        }
        let kid = String(spec[..<equals])
        var file = String(spec[spec.index(after: equals)...])
        var until: Date?
        if let at = file.lastIndex(of: "@") {
            let text = String(file[file.index(after: at)...])
            file = String(file[..<at])
            if let seconds = Double(text) {
                until = Date(timeIntervalSince1970: seconds)
            } else if let date = ISO8601DateFormatter().date(from: text) {
                until = date
            } else {
                throw StartupError("jwt-key \(kid): \(text) is neither Unix seconds nor an ISO-8601 time")
            }
        }
        let secret = try SigningKey.secret(fromFile: file, minimumBytes: SigningKey.minimumTokenSecretBytes)
        return SigningKey(id: kid, secret: secret, acceptUntil: until)
    }

    /// The payment gateway of the settings, on `group`; the caller shuts it down after the last call.
    private func makeGateway(group: any EventLoopGroup) throws -> any PaymentGateway {
        switch settings.gateway {
        case "razorpay":
            do {
                let secrets = GatewaySecrets(
                    keySecret: try SigningKey.secret(fromFile: settings.razorpayKeySecretFile ?? ""),
                    webhookSecrets: try settings.razorpayWebhookSecretFiles.map { try SigningKey.secret(fromFile: $0) })
                return RazorpayGateway(baseURL: URL(string: settings.razorpayBaseURL)!,
                                       keyID: settings.razorpayKeyID ?? "", secrets: secrets,
                                       timeout: settings.gatewayTimeoutSeconds, group: group)
            } catch let error as AuthError {
                throw StartupError("razorpay: \(error.message)")
            }
        default:
            logger.notice("payments use the simulated gateway (test secrets; no real money)")
            return SimulatedGateway()
        }
    }

    private func tokenPolicy() -> TokenPolicy {
        var policy = TokenPolicy()
        policy.issuer = settings.jwtIssuer
        policy.audience = settings.jwtAudience
        return policy
    }

    private func serverConfiguration() throws -> ServerConfiguration {
        // systemd socket activation: serve on the socket it passed (never created, so never removed, by cartd).
        let inherited = try SocketActivation.inheritedListener(configuredSocket: settings.socket, logger: logger)
        var configuration = ServerConfiguration(address: inherited.map { .inheritedDescriptor($0) }
                                                    ?? .unixSocket(path: settings.socket))
        configuration.socketMode = settings.socketMode
        if let group = settings.socketGroup { configuration.socketGroup = try Self.resolveGroup(group) }
        configuration.allowInsecureSocketDirectory = settings.allowInsecureSocketDir
        var policy = PeerPolicy.ownUserAndRoot
        policy.allowedUIDs.formUnion(settings.allowUIDs)
        policy.allowedUIDs.formUnion(settings.adminUIDs)
        policy.allowedGIDs = Set(settings.allowGIDs)
        configuration.peerPolicy = policy
        configuration.maxConnections = settings.maxConnections
        configuration.maxConcurrentCallsPerConnection = settings.maxCallsPerConnection
        configuration.idleTimeout = .seconds(Int64(settings.idleTimeoutSeconds))
        configuration.unwritableTimeout = .seconds(Int64(settings.unwritableTimeoutSeconds))
        configuration.frameTimeout = .seconds(Int64(settings.frameTimeoutSeconds))
        configuration.shutdownGracePeriod = .seconds(Int64(settings.shutdownGraceSeconds))
        return configuration
    }

    private static func resolveGroup(_ name: String) throws -> UInt32 {
        if let gid = UInt32(name) { return gid }
        guard let entry = getgrnam(name) else { throw StartupError("socket-group: no group named \(name)") }
        return entry.pointee.gr_gid
    }
}

/// A start-up failure with a message naming what to fix.
struct StartupError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
