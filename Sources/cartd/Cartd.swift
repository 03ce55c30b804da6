import ArgumentParser
import CartCore
import CartStoreSQLite
import Foundation
import Logging

/// `cartd`: the cartsync daemon.
@main
struct Cartd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cartd",
        abstract: "The cartsync daemon: carts, checkout, payments and orders over ttrpc on a Unix socket."
    )

    @Option(help: "The Unix socket to listen on (default ./.run/cartd.sock; production: /run/cartd/cartd.sock).")
    var socket: String?

    @Option(help: "Socket file mode, octal (default 0600).")
    var socketMode: String?

    @Option(help: "Group (name or gid) to own the socket file, for --socket-mode 0660.")
    var socketGroup: String?

    @Flag(help: "Allow the socket's directory to be writable by every user.")
    var allowInsecureSocketDir = false

    @Option(name: .customLong("allow-uid"), help: "A uid allowed to connect (repeatable; own uid and root always).")
    var allowUIDs: [UInt32] = []

    @Option(name: .customLong("allow-gid"), help: "A gid whose members may connect (repeatable).")
    var allowGIDs: [UInt32] = []

    @Option(name: .customLong("admin-uid"), help: "A peer uid that may call Catalog/Admin RPCs without a token role (repeatable).")
    var adminUIDs: [UInt32] = []

    @Option(help: "Maximum open connections (default 1024).")
    var maxConnections: Int?

    @Option(help: "Maximum calls in flight per connection (default 256).")
    var maxCallsPerConnection: Int?

    @Option(help: "Seconds a connection may sit idle before it is closed (default 300).")
    var idleTimeout: Int?

    @Option(help: "Seconds in-flight calls may run after SIGTERM before connections are closed (default 10).")
    var shutdownGrace: Int?

    @Option(help: "The SQLite database file (default ./.run/cart.db).")
    var database: String?

    @Option(help: "SQLite synchronous mode: normal (survives kill -9) or full (also survives power loss).")
    var sqliteSynchronous: String?

    @Option(help: "A JSON catalog loaded at start when the catalog is empty.")
    var seedCatalog: String?

    @Option(help: "Currency of new carts, ISO-4217 (default INR).")
    var currency: String?

    @Option(help: "Maximum quantity of one cart line (default 50).")
    var maxLineQuantity: Int64?

    @Option(help: "Maximum lines in one cart (default 100).")
    var maxLines: Int?

    @Option(help: "Hours idempotency records are kept and replayed (default 24).")
    var idempotencyRetentionHours: Int?

    @Option(help: "File holding the HS256 secret for tokens without a kid (or the only key).")
    var jwtSecretFile: String?

    @Option(name: .customLong("jwt-key"),
            help: "An additional HS256 key as KID=FILE or KID=FILE@UNTIL (UNTIL: Unix seconds or ISO-8601), repeatable: rotation.")
    var jwtKeys: [String] = []

    @Option(help: "Required token issuer (iss), if set.")
    var jwtIssuer: String?

    @Option(help: "Required token audience (aud), if set.")
    var jwtAudience: String?

    @Option(help: "Payment gateway: simulated (local, documented test secrets) or razorpay.")
    var gateway: String?

    @Option(help: "Razorpay API base URL (default https://api.razorpay.com).")
    var razorpayBaseUrl: String?

    @Option(help: "Razorpay API key id.")
    var razorpayKeyId: String?

    @Option(help: "File holding the Razorpay key secret.")
    var razorpayKeySecretFile: String?

    @Option(help: "File holding a Razorpay webhook secret (repeatable: the first is current, others are accepted during rotation).")
    var razorpayWebhookSecretFile: [String] = []

    @Option(help: "Seconds to wait for the gateway before failing UNAVAILABLE (default 10).")
    var gatewayTimeout: Double?

    @Option(help: "Minutes a payment holds its stock reservation (default 15).")
    var reservationMinutes: Int?

    @Option(help: "Seconds between sweeps for expired payments (default 5).")
    var expirySweepSeconds: Int?

    @Flag(help: .hidden)
    var enableTestService = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    /// Applies the flags that were given on top of `settings`.
    func apply(to settings: inout DaemonSettings) throws {
        if let socket { settings.socket = socket }
        if let socketMode {
            guard let mode = UInt32(socketMode, radix: 8), mode <= 0o777 else {
                throw ValidationError("--socket-mode must be an octal mode such as 0600 or 0660, not \(socketMode)")
            }
            settings.socketMode = mode
        }
        if let socketGroup { settings.socketGroup = socketGroup }
        if allowInsecureSocketDir { settings.allowInsecureSocketDir = true }
        if !allowUIDs.isEmpty { settings.allowUIDs = allowUIDs }
        if !allowGIDs.isEmpty { settings.allowGIDs = allowGIDs }
        if !adminUIDs.isEmpty { settings.adminUIDs = adminUIDs }
        if let maxConnections { settings.maxConnections = maxConnections }
        if let maxCallsPerConnection { settings.maxCallsPerConnection = maxCallsPerConnection }
        if let idleTimeout { settings.idleTimeoutSeconds = idleTimeout }
        if let shutdownGrace { settings.shutdownGraceSeconds = shutdownGrace }
        if let database { settings.database = database }
        if let sqliteSynchronous {
            guard let mode = SQLiteStoreOptions.Synchronous(rawValue: sqliteSynchronous.uppercased()) else {
                throw ValidationError("--sqlite-synchronous must be normal or full, not \(sqliteSynchronous)")
            }
            settings.sqliteSynchronous = mode
        }
        if let seedCatalog { settings.seedCatalog = seedCatalog }
        if let currency { settings.currency = currency }
        if let maxLineQuantity { settings.maxLineQuantity = maxLineQuantity }
        if let maxLines { settings.maxLines = maxLines }
        if let idempotencyRetentionHours { settings.idempotencyRetentionHours = idempotencyRetentionHours }
        if let jwtSecretFile { settings.jwtSecretFile = jwtSecretFile }
        if !jwtKeys.isEmpty { settings.jwtKeys = jwtKeys }
        if let jwtIssuer { settings.jwtIssuer = jwtIssuer }
        if let jwtAudience { settings.jwtAudience = jwtAudience }
        if let gateway { settings.gateway = gateway }
        if let razorpayBaseUrl { settings.razorpayBaseURL = razorpayBaseUrl }
        if let razorpayKeyId { settings.razorpayKeyID = razorpayKeyId }
        if let razorpayKeySecretFile { settings.razorpayKeySecretFile = razorpayKeySecretFile }
        if !razorpayWebhookSecretFile.isEmpty { settings.razorpayWebhookSecretFiles = razorpayWebhookSecretFile }
        if let gatewayTimeout { settings.gatewayTimeoutSeconds = gatewayTimeout }
        if let reservationMinutes { settings.reservationMinutes = reservationMinutes }
        if let expirySweepSeconds { settings.expirySweepSeconds = expirySweepSeconds }
        if enableTestService { settings.enableTestService = true }
        if let logLevel { settings.logLevel = logLevel }
    }

    func run() async throws {
        var settings = DaemonSettings()
        try apply(to: &settings)
        try settings.validate()
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let code = await Daemon(settings: settings).run()
        if code != 0 { throw ExitCode(code) }
    }
}

extension DaemonSettings {
    /// Checks values that flags and files can get wrong, naming the setting.
    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard maxConnections > 0 else { throw ValidationError("max-connections must be positive") }
        guard maxCallsPerConnection > 0 else { throw ValidationError("max-calls-per-connection must be positive") }
        guard idleTimeoutSeconds > 0 else { throw ValidationError("idle-timeout must be positive") }
        guard shutdownGraceSeconds >= 0 else { throw ValidationError("shutdown-grace must not be negative") }
        guard Currency.isValid(currency) else { throw ValidationError("currency \(currency) is not an ISO-4217 code") }
        guard (1...10_000).contains(maxLineQuantity) else { throw ValidationError("max-line-quantity must be 1…10000") }
        guard (1...1_000).contains(maxLines) else { throw ValidationError("max-lines must be 1…1000") }
        guard idempotencyRetentionHours >= 1 else { throw ValidationError("idempotency-retention-hours must be ≥ 1") }
        guard ["simulated", "razorpay"].contains(gateway) else {
            throw ValidationError("gateway must be simulated or razorpay, not \(gateway)")
        }
        if gateway == "razorpay" {
            guard razorpayKeyID != nil, razorpayKeySecretFile != nil, !razorpayWebhookSecretFiles.isEmpty else {
                throw ValidationError("gateway razorpay needs razorpay-key-id, razorpay-key-secret-file and razorpay-webhook-secret-file")
            }
            guard URL(string: razorpayBaseURL)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
                throw ValidationError("razorpay-base-url must be an http(s) URL, not \(razorpayBaseURL)")
            }
        }
        guard gatewayTimeoutSeconds > 0, gatewayTimeoutSeconds <= 120 else {
            throw ValidationError("gateway-timeout must be between 0 and 120 seconds")
        }
        guard (1...1_440).contains(reservationMinutes) else { throw ValidationError("reservation-minutes must be 1…1440") }
        guard (1...3_600).contains(expirySweepSeconds) else { throw ValidationError("expiry-sweep-seconds must be 1…3600") }
    }
}
