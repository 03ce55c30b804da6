import ArgumentParser
import CartServer
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

    @Option(help: "Event-loop threads serving connections (default one per CPU).")
    var eventLoopThreads: Int?

    @Option(help: "Seconds a connection may sit idle before it is closed (default 300).")
    var idleTimeout: Int?

    @Option(help: "Seconds a peer that does not read its responses is given before its connection is closed (default 30).")
    var unwritableTimeout: Int?

    @Option(help: "Seconds a frame may take from its first byte to its last before the connection is closed (default 30).")
    var frameTimeout: Int?

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

    /// Tests only: a reservation in seconds (overrides --reservation-minutes), so expiry can be tested quickly.
    @Option(help: .hidden)
    var reservationSeconds: Int?

    @Flag(help: .hidden)
    var enableTestService = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Option(help: "Log line format: logfmt or json.")
    var logFormat: String?

    @Option(help: "Serve Prometheus metrics over HTTP at HOST:PORT (GET /metrics), e.g. 127.0.0.1:9464.")
    var metricsListen: String?

    @Flag(help: "Allow --metrics-listen on an address other than loopback.")
    var metricsAllowRemote = false

    @Option(help: ArgumentHelp(
        "A JSON config file: one object whose keys are these flags' names, e.g. {\"socket\": \"/run/cartd/cartd.sock\", \"max-connections\": 2048} (env CARTD_CONFIG).",
        discussion: "Order: defaults < config file < CARTD_<FLAG_NAME> environment variables < flags."))
    var config: String?

    @Flag(help: "Print the effective configuration (defaults, file, environment and flags applied) as JSON and exit.")
    var printConfig = false

    @Flag(help: "Print where each setting's value came from (default, file, environment or flag) as JSON and exit.")
    var printConfigSources = false

    /// Parses the command line; usage and configuration errors exit with status 2 before anything is created.
    static func main() async {
        var command: Cartd
        do {
            command = try parse()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }   // --help, --version
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            exit(withError: ExitCode(2))
        }
        do {
            try await command.run()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("cartd: \(error)\n".utf8))
            exit(withError: ExitCode(2))
        } catch {
            exit(withError: error)
        }
    }

    /// The settings from every layer, validated (`DaemonSettings.validate()`).
    func layeredSettings(environment: [String: String]) throws(ConfigError) -> LayeredSettings {
        var layers = LayeredSettings()
        if let path = config ?? environment["CARTD_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            try layers.applyFile(path)
        }
        try layers.applyEnvironment(environment)
        try layers.applyFlags(self)
        _ = try layers.validated()
        return layers
    }

    func run() async throws {
        let layers = try layeredSettings(environment: ProcessInfo.processInfo.environment)
        if printConfigSources {
            print(layers.sourcesJSON())
            return
        }
        if printConfig {
            print(layers.effectiveJSON())
            return
        }
        let settings = layers.settings
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format = LogFormat(rawValue: settings.logFormat) ?? .logfmt
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, level: level) }
        let code = await Daemon(settings: settings).run()
        if code != 0 { throw ExitCode(code) }
    }
}
