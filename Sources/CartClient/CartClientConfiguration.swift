import NIOCore

/// How a ``CartClient`` connects, authenticates and retries.
public struct CartClientConfiguration: Sendable {
    /// The daemon's socket.
    public var socketPath: String
    /// The bearer token (a JWT) sent as `authorization: Bearer <token>`; `nil` for unauthenticated calls.
    public var token: String?
    /// The deadline of each call unless the call says otherwise.
    public var defaultTimeout: TimeAmount = .seconds(10)
    /// How long to wait for a connection.
    public var connectTimeout: TimeAmount = .seconds(3)
    /// Retries of UNAVAILABLE and broken connections.
    public var retry = RetryPolicy()

    /// Creates a configuration.
    /// - Parameters:
    ///   - socketPath: The daemon's socket.
    ///   - token: The bearer token, if any.
    public init(socketPath: String, token: String? = nil) {
        self.socketPath = socketPath
        self.token = token
    }
}

/// Exponential backoff with jitter for calls that are safe to repeat.
///
/// Reads are always safe; a mutation is retried only when it carries an idempotency key (the
/// client adds one per logical operation), so a retry can never apply it twice.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included (1 = no retry).
    public var maxAttempts: Int = 4
    /// The wait before the first retry.
    public var initialBackoff: TimeAmount = .milliseconds(50)
    /// The longest wait between attempts.
    public var maxBackoff: TimeAmount = .seconds(1)

    /// Creates the default policy: 4 attempts, 50 ms doubling to at most 1 s, with full jitter.
    public init() {}

    /// Creates a policy.
    public init(maxAttempts: Int, initialBackoff: TimeAmount, maxBackoff: TimeAmount) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1, initialBackoff: .zero, maxBackoff: .zero)

    /// The wait before attempt `attempt` (2 = first retry), with full jitter.
    func backoff(beforeAttempt attempt: Int) -> TimeAmount {
        let exponent = min(attempt - 2, 20)
        let ceiling = min(initialBackoff.nanoseconds << exponent, maxBackoff.nanoseconds)
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: ceiling / 2...ceiling))
    }
}
