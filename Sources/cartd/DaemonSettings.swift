import CartCore
import CartServer
import CartStoreSQLite
import Foundation
import Logging

/// Everything cartd runs with: built from defaults, then the config file, then the environment,
/// then flags (flags win). See `ConfigKey.all` (Config.swift) for each setting's name in the file
/// (`"max-connections"`), the environment (`CARTD_MAX_CONNECTIONS`) and on the command line
/// (`--max-connections`): a new setting needs a property here, an option in `Cartd` and a row there.
struct DaemonSettings: Sendable {
    var socket = "./.run/cartd.sock"
    var socketMode: UInt32 = 0o600
    var socketGroup: String?
    var allowInsecureSocketDir = false
    var allowUIDs: [UInt32] = []
    var allowGIDs: [UInt32] = []
    var adminUIDs: [UInt32] = []
    var maxConnections = 1024
    var maxCallsPerConnection = 256
    /// Threads of the event-loop group that serves the socket (and the gateway's HTTP client);
    /// nil is one per CPU this process may run on.
    var eventLoopThreads: Int?
    var idleTimeoutSeconds = 300
    var unwritableTimeoutSeconds = 30
    var frameTimeoutSeconds = 30
    var shutdownGraceSeconds = 10
    var database = "./.run/cart.db"
    var sqliteSynchronous = SQLiteStoreOptions.Synchronous.normal
    var seedCatalog: String?
    var currency = "INR"
    var maxLineQuantity: Int64 = 50
    var maxLines = 100
    var idempotencyRetentionHours = 24
    var jwtSecretFile: String?
    var jwtKeys: [String] = []
    var jwtIssuer: String?
    var jwtAudience: String?
    var gateway = "simulated"
    var razorpayBaseURL = "https://api.razorpay.com"
    var razorpayKeyID: String?
    var razorpayKeySecretFile: String?
    var razorpayWebhookSecretFiles: [String] = []
    var gatewayTimeoutSeconds = 10.0
    var reservationMinutes = 15
    /// Tests only (hidden flag `--reservation-seconds`): overrides `reservationMinutes`.
    var reservationSeconds: Int?
    var expirySweepSeconds = 5
    var enableTestService = false
    var logLevel = "info"
    var logFormat = "logfmt"
    var metricsListen: String?
    var metricsAllowRemote = false
}

/// A setting whose value is wrong, named by its key (the flag name without dashes).
struct SettingError: Error, Sendable {
    /// The key, e.g. `max-connections`.
    let key: String
    /// What is wrong, e.g. `must be positive, not 0`.
    let problem: String

    init(_ key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }
}

extension DaemonSettings {
    /// Splits "HOST:PORT" (IPv6 as "[::1]:PORT").
    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// Checks the values that files, the environment and flags can get wrong: the one place for
    /// ranges and allowed values. The error names the key; the caller adds where the value came from.
    func validate() throws(SettingError) {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw SettingError("log-level", "must be one of trace, debug, info, notice, warning, error, critical, not \(logLevel)")
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw SettingError("log-format", "must be logfmt or json, not \(logFormat)")
        }
        if let metricsListen {
            guard let (host, _) = Self.hostPort(metricsListen) else {
                throw SettingError("metrics-listen", "must be HOST:PORT, e.g. 127.0.0.1:9464, not \(metricsListen)")
            }
            guard metricsAllowRemote || ["127.0.0.1", "::1", "localhost"].contains(host) else {
                throw SettingError("metrics-listen", "\(metricsListen) is not a loopback address; set metrics-allow-remote to serve it anyway")
            }
        }
        guard !socket.isEmpty else { throw SettingError("socket", "must not be empty") }
        guard socketMode <= 0o777 else { throw SettingError("socket-mode", "must be at most 0777") }
        guard maxConnections > 0 else { throw SettingError("max-connections", "must be positive, not \(maxConnections)") }
        guard maxCallsPerConnection > 0 else {
            throw SettingError("max-calls-per-connection", "must be positive, not \(maxCallsPerConnection)")
        }
        if let eventLoopThreads, !(1...256).contains(eventLoopThreads) {
            throw SettingError("event-loop-threads", "must be 1…256, not \(eventLoopThreads)")
        }
        guard idleTimeoutSeconds > 0 else { throw SettingError("idle-timeout", "must be positive, not \(idleTimeoutSeconds)") }
        guard unwritableTimeoutSeconds > 0 else {
            throw SettingError("unwritable-timeout", "must be positive, not \(unwritableTimeoutSeconds)")
        }
        guard frameTimeoutSeconds > 0 else { throw SettingError("frame-timeout", "must be positive, not \(frameTimeoutSeconds)") }
        guard shutdownGraceSeconds >= 0 else {
            throw SettingError("shutdown-grace", "must not be negative, not \(shutdownGraceSeconds)")
        }
        guard !database.isEmpty else { throw SettingError("database", "must not be empty") }
        guard Currency.isValid(currency) else { throw SettingError("currency", "\(currency) is not an ISO-4217 code") }
        guard (1...10_000).contains(maxLineQuantity) else {
            throw SettingError("max-line-quantity", "must be 1…10000, not \(maxLineQuantity)")
        }
        guard (1...1_000).contains(maxLines) else { throw SettingError("max-lines", "must be 1…1000, not \(maxLines)") }
        guard idempotencyRetentionHours >= 1 else {
            throw SettingError("idempotency-retention-hours", "must be ≥ 1, not \(idempotencyRetentionHours)")
        }
        guard ["simulated", "razorpay"].contains(gateway) else {
            throw SettingError("gateway", "must be simulated or razorpay, not \(gateway)")
        }
        if gateway == "razorpay" {
            guard razorpayKeyID != nil, razorpayKeySecretFile != nil, !razorpayWebhookSecretFiles.isEmpty else {
                throw SettingError("gateway", "razorpay needs razorpay-key-id, razorpay-key-secret-file and razorpay-webhook-secret-file")
            }
            guard URL(string: razorpayBaseURL)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
                throw SettingError("razorpay-base-url", "must be an http(s) URL, not \(razorpayBaseURL)")
            }
        }
        guard gatewayTimeoutSeconds > 0, gatewayTimeoutSeconds <= 120 else {
            throw SettingError("gateway-timeout", "must be more than 0 and at most 120 seconds, not \(gatewayTimeoutSeconds)")
        }
        guard (1...1_440).contains(reservationMinutes) else {
            throw SettingError("reservation-minutes", "must be 1…1440, not \(reservationMinutes)")
        }
        guard (1...3_600).contains(expirySweepSeconds) else {
            throw SettingError("expiry-sweep-seconds", "must be 1…3600, not \(expirySweepSeconds)")
        }
        if let reservationSeconds, !(1...86_400).contains(reservationSeconds) {
            throw SettingError("reservation-seconds", "must be 1…86400, not \(reservationSeconds)")
        }
    }
}
