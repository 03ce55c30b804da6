import CartCore
import CartStoreSQLite

/// Everything cartd runs with: built from defaults, then the config file, then the environment,
/// then flags (flags win).
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
    var idleTimeoutSeconds = 300
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
    var expirySweepSeconds = 5
    var enableTestService = false
    var logLevel = "info"
}
