// Failures of a storage backend, reported to callers without internals.

/// A storage failure: busy, locked, full or broken.
///
/// `message` is generic and safe to send; `detail` holds the backend's own text for the log only and never crosses
/// the wire.
/// Thread safety: a value type, `Sendable`.
public struct StoreError: DomainError, Equatable {
    /// Why the store failed.
    public enum Reason: String, Hashable, Sendable {
        /// The database is busy or locked by another writer; retrying soon may succeed.
        case busy
        /// The disk (or quota) is full.
        case full
        /// The store cannot be reached (connection lost, shutting down).
        case unreachable
        /// Stored data could not be read back (corruption, an unknown schema, a bad encoding).
        case corrupt
        /// Anything else.
        case other
    }

    /// `.unavailable` for transient reasons (busy, unreachable), `.resourceExhausted` for a full disk, `.internal` otherwise.
    public let kind: ErrorKind
    /// A generic, caller-safe message.
    public let message: String
    /// The machine-readable cause.
    public let reason: Reason
    /// The backend's own description, for logs only.
    public let detail: String

    /// Creates a store error; `kind` and `message` follow from `reason`.
    /// - Parameters:
    ///   - reason: Why the store failed.
    ///   - detail: The backend's description (SQL error text, errno, …), logged but never sent.
    public init(_ reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
        switch reason {
        case .busy, .unreachable:
            kind = .unavailable
            message = "the cart store is temporarily unavailable; retry shortly"
        case .full:
            kind = .resourceExhausted
            message = "the cart store is out of disk space; nothing was changed, retry when space is freed"
        case .corrupt, .other:
            kind = .internal
            message = "internal error"
        }
    }
}
